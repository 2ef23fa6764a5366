package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
)

// runDoctorOnline probes the plan against AWS, prints the report, and returns a problem whose
// exit code is the failure class's, if a call failed.
func runDoctorOnline(ctx context.Context, sio *IO, eng *engine.Engine, req engine.Request, trustFile, orgID string, asJSON bool) error {
	var doc []byte
	if trustFile != "" {
		var err error
		if trustFile == "-" {
			doc, err = readAllLimited(sio.In)
		} else {
			doc, err = os.ReadFile(trustFile)
		}
		if err != nil {
			return problem.Wrap(problem.Usage, err, "cannot read the trust policy %s", trustFile)
		}
	}
	rep, err := eng.DoctorOnline(ctx, req, engine.OnlineOptions{TrustPolicy: doc, OrgID: orgID})
	if err != nil {
		return err
	}
	if asJSON {
		if err := writeJSON(sio.Out, rep); err != nil {
			return err
		}
	} else {
		renderOnline(sio, rep)
	}
	f := rep.Failure
	if f == nil {
		return nil
	}
	p := &problem.Problem{Kind: engine.ClassKind(f.Class), Msg: fmt.Sprintf("doctor: %s: %s", f.Class, f.Error)}
	if len(f.Causes) > 0 {
		p.Hint = f.Causes[0].Next
	}
	return p
}

func renderOnline(sio *IO, r *engine.OnlineReport) {
	w := sio.Out
	if r.Plan != nil && r.Source.Label != "" {
		renderReport(w, r.Report)
	}
	if r.Caller != "" {
		fmt.Fprintf(w, "caller:   %s\n", r.Caller)
	}
	for _, pr := range r.Probes {
		fmt.Fprintf(w, "probe:    %s", pr.Call)
		if pr.RoleARN != "" {
			fmt.Fprintf(w, " %s (%d s)", pr.RoleARN, pr.DurationSeconds)
		}
		if pr.OK {
			fmt.Fprintln(w, ": ok")
		} else {
			fmt.Fprintf(w, ": failed: %s\n", pr.Error)
		}
	}
	if len(r.Probes) > 0 {
		skew := "in step with AWS's"
		switch {
		case r.ClockSkewSeconds > 300:
			skew = fmt.Sprintf("%d s behind AWS's: too far, signatures may be refused", r.ClockSkewSeconds)
		case r.ClockSkewSeconds < -300:
			skew = fmt.Sprintf("%d s ahead of AWS's: too far, signatures may be refused", -r.ClockSkewSeconds)
		}
		fmt.Fprintf(w, "clock:    %s\n", skew)
	}
	f := r.Failure
	if f == nil {
		fmt.Fprintln(w, "result:   ok: the switch would succeed")
		return
	}
	fmt.Fprintf(w, "result:   %s (exit %d)\n", f.Class, f.ExitCode)
	for i, c := range f.Causes {
		fmt.Fprintf(w, "cause %d:  %s: %s\n", i+1, c.Class, c.Reason)
		if c.Next != "" {
			fmt.Fprintf(w, "          next: %s\n", c.Next)
		}
	}
	if f.Note != "" {
		fmt.Fprintf(w, "note:     %s\n", f.Note)
	}
}
