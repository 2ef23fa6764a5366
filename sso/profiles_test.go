package sso

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const handWritten = "# my config\r\n[default]\r\nregion = eu-west-1\r\n\r\n[profile dev-Admin]\r\n; hand-written, same name as a generated one\r\nsso_session = corp\r\n\r\n[sso-session corp]\r\nsso_start_url = https://x.awsapps.com/start\r\nsso_region = eu-west-1"

func TestUpdateProfilesKeepsOtherBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(handWritten), 0o640); err != nil {
		t.Fatal(err)
	}
	want := []GenProfile{{Name: "dev-Admin", AccountID: "1", RoleName: "Admin"}, {Name: "dev-Reader", AccountID: "1", RoleName: "Reader", Region: "eu-west-1"},
		{Name: "prod-Reader", AccountID: "2", RoleName: "Reader"}}
	ch, err := UpdateProfiles(path, "corp", want, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Added) != 2 || len(ch.Skipped) != 1 || ch.Skipped[0] != "dev-Admin" {
		t.Fatalf("%+v", ch)
	}
	data, _ := os.ReadFile(path)
	got := string(data)
	if !strings.HasPrefix(got, handWritten+"\r\n\r\n[profile dev-Reader]\r\n"+ManagedMarker+" sso-session corp\r\n") {
		t.Fatalf("got %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	// Idempotent.
	ch, err = UpdateProfiles(path, "corp", want, false)
	if err != nil || len(ch.Unchanged) != 2 {
		t.Fatalf("%+v %v", ch, err)
	}
	again, _ := os.ReadFile(path)
	if string(again) != got {
		t.Fatal("a second run changed the file")
	}
	// A hand edit after the generated sections stays; pruning removes only managed sections.
	withTail := got + "\r\n# keep me\r\n[profile mine]\r\nregion = us-east-1\r\n"
	os.WriteFile(path, []byte(withTail), 0o640)
	ch, err = UpdateProfiles(path, "corp", want[2:], true)
	if err != nil || len(ch.Removed) != 1 || ch.Removed[0] != "dev-Reader" {
		t.Fatalf("%+v %v", ch, err)
	}
	data, _ = os.ReadFile(path)
	wantText := handWritten + "\r\n\r\n[profile prod-Reader]\r\n" + ManagedMarker + " sso-session corp\r\nsso_session = corp\r\nsso_account_id = 2\r\nsso_role_name = Reader\r\n\r\n# keep me\r\n[profile mine]\r\nregion = us-east-1\r\n"
	if string(data) != wantText {
		t.Fatalf("after prune:\n%q\nwant\n%q", data, wantText)
	}
	// Pruning everything of the session gives back the hand-written file plus separators only.
	if _, err := UpdateProfiles(path, "other", nil, true); err != nil {
		t.Fatal(err)
	}
	if d, _ := os.ReadFile(path); string(d) != wantText {
		t.Fatal("pruning another session touched this one")
	}
}

func TestProfileName(t *testing.T) {
	if n := ProfileName("sso-", Account{ID: "1", Name: "My Prod (EU)"}, "Admin"); n != "sso-my-prod-eu-Admin" {
		t.Fatal(n)
	}
}
