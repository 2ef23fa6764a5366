package engine

import (
	"context"

	"github.com/assume-role/assume-role/problem"
)

// assumeWebIdentity is implemented by the federation work (issue 4).
func (e *Engine) assumeWebIdentity(ctx context.Context, req Request) (*Result, error) {
	return nil, problem.New(problem.Internal, "web identity sign-in is not implemented yet")
}
