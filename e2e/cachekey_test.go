package e2e

import (
	"strings"
	"testing"
)

// TestCacheKeySessionNameAndEndpoint: two jobs sharing a cache but with different
// AWS_ROLE_SESSION_NAME each get their own session (CloudTrail blames the right job), and a job
// sending to another STS endpoint does not reuse credentials issued by the first.
func TestCacheKeySessionNameAndEndpoint(t *testing.T) {
	w := newWorld(t, nil)
	args := []string{"-o", "json", "-R", "arn:aws:iam::222222222222:role/read"}
	arnOf := func(r result) string {
		var out struct{ AssumedRoleUser struct{ Arn string } }
		decodeJSON(t, r.stdout, &out)
		return out.AssumedRoleUser.Arn
	}
	run := func(extra map[string]string) result {
		t.Helper()
		r := w.runEnv(extra, args...)
		if r.code != 0 {
			t.Fatalf("%v: %s", extra, r)
		}
		return r
	}
	for _, job := range []string{"job-1", "job-2", "job-1", "job-2"} {
		if got := arnOf(run(map[string]string{"AWS_ROLE_SESSION_NAME": job})); !strings.HasSuffix(got, "/"+job) {
			t.Fatalf("AWS_ROLE_SESSION_NAME=%s got session %s", job, got)
		}
	}
	if n := w.count("AssumeRole"); n != 2 {
		t.Fatalf("%d AssumeRole calls for two session names, want 2 (the repeats cached)", n)
	}

	other := newWorld(t, nil)
	run(map[string]string{"AWS_ROLE_SESSION_NAME": "job-1", "AWS_ENDPOINT_URL_STS": other.url})
	if n := other.count("AssumeRole"); n != 1 {
		t.Fatalf("another STS endpoint was served %d AssumeRole calls, want 1 (not the first endpoint's cached credentials)", n)
	}

	// The same through the profile's endpoint_url.
	third := newWorld(t, nil)
	w.write(".aws/config", "[default]\nendpoint_url = "+third.url+"\n")
	run(map[string]string{"AWS_ROLE_SESSION_NAME": "job-1", "AWS_ENDPOINT_URL_STS": ""})
	if n := third.count("AssumeRole"); n != 1 {
		t.Fatalf("the endpoint_url of [default] was served %d AssumeRole calls, want 1", n)
	}
}
