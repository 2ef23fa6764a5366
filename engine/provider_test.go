package engine

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestRefresherKeepsMoreThanWindow(t *testing.T) {
	now := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	e := New(Options{Now: func() time.Time { return now }})
	r := &refresher{e: e, window: time.Minute, last: aws.Credentials{AccessKeyID: "A", SecretAccessKey: "s",
		CanExpire: true, Expires: now.Add(2 * time.Minute)}}
	got, err := r.Retrieve(context.Background())
	if err != nil || got.AccessKeyID != "A" || !got.Expires.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("fresh credentials not reused with their true expiry: %+v %v", got, err)
	}
	// Inside the window: Assume runs again (here it fails: no role), nothing stale is handed out.
	now = now.Add(61 * time.Second)
	if _, err := r.Retrieve(context.Background()); err == nil {
		t.Fatal("stale credentials handed out")
	}
}
