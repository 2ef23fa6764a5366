package stslimits

import (
	"regexp"
	"strings"
	"testing"
)

var (
	roleARNRe = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::([0-9]{12}):role/((?:[\x21-\x7e]+/)?)([\w+=,.@-]{1,64})$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// FuzzRoleARN: RoleARN accepts exactly the documented shape and returns its parts.
func FuzzRoleARN(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::123456789012:role/read", "arn:aws-cn:iam::123456789012:role/ops/deploy",
		"arn:aws:iam::123456789012:role//x", "arn:aws:iam::12345678901:role/x", "arn:aws:sts::123456789012:assumed-role/x/y",
		"arn:aws:iam::123456789012:role/a\x1b[2J", "arn:aws:iam::123456789012:role/" + strings.Repeat("a", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		partition, account, name, err := RoleARN("role", arn)
		if err != nil {
			if partition != "" || account != "" || name != "" {
				t.Fatal("parts with an error")
			}
			if strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Fatalf("unsafe error %q", err)
			}
			return
		}
		m := roleARNRe.FindStringSubmatch(arn)
		if m == nil {
			t.Fatalf("accepted %q", arn)
		}
		if m[1] != partition || m[2] != account || m[4] != name || len(arn) > 2048 {
			t.Fatalf("%q: got %q %q %q", arn, partition, account, name)
		}
	})
}

// FuzzRegion: Region accepts region-shaped names only (nothing a terminal or a shell would
// interpret), and every accepted region has a partition.
func FuzzRegion(f *testing.F) {
	for _, s := range []string{"us-east-1", "us-gov-west-1", "cn-north-1", "eu-central-1\x1b[31m", "us-east-1;rm", "-", "us--1", "US-EAST-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, r string) {
		err := Region("--region", r)
		if (err == nil) != regionRe.MatchString(r) {
			t.Fatalf("Region(%q) = %v", r, err)
		}
		if err == nil && PartitionForRegion(r) == "" {
			t.Fatalf("no partition for %q", r)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r\x1b\a") {
			t.Fatalf("unsafe error %q", err)
		}
	})
}
