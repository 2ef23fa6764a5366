package engine

import (
	"context"

	"github.com/assume-role/assume-role/problem"
)

// assumeSAML is implemented by the federation work (issue 4).
func (e *Engine) assumeSAML(ctx context.Context, req Request) (*Result, error) {
	return nil, problem.New(problem.Internal, "SAML sign-in is not implemented yet")
}
