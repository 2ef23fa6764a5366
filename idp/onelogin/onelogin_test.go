package onelogin

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDeviceIDNumberOrString(t *testing.T) {
	var ds []Device
	if err := json.Unmarshal([]byte(`[{"device_id":666666,"device_type":"Google Authenticator"},{"device_id":"7","device_type":"OneLogin SMS"}]`), &ds); err != nil {
		t.Fatal(err)
	}
	if ds[0].ID != "666666" || ds[1].ID != "7" || ds[0].Type != "Google Authenticator" {
		t.Fatalf("%+v", ds)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		status int
		msg    string
		want   error
	}{
		{401, "Authentication Failure", ErrPassword},
		{401, "Account is locked", ErrLocked},
		{403, "The user is not assigned to this app", ErrAppNotAssigned},
		{404, "Not found", ErrAppNotAssigned},
		{500, "Internal error", ErrServer},
	}
	for _, c := range cases {
		if err := classify(c.status, c.msg, ErrPassword); !errors.Is(err, c.want) {
			t.Errorf("%d %q: %v", c.status, c.msg, err)
		}
	}
	if got := apiMessage([]byte(`{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}`)); got != "Authentication Failure" {
		t.Errorf("v1 message %q", got)
	}
	if _, err := APIURL("ap"); err == nil {
		t.Error("region ap accepted")
	}
	if u, _ := APIURL("EU"); u != "https://api.eu.onelogin.com" {
		t.Error(u)
	}
}
