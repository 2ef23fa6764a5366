package fanout

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestShardsAreDisjointAndComplete(t *testing.T) {
	var ts []Target
	for i := range 500 {
		ts = append(ts, Target{AccountID: fmt.Sprintf("%012d", 100000000000+i), RoleARN: fmt.Sprintf("arn:aws:iam::%012d:role/r", 100000000000+i)})
	}
	for _, n := range []int{1, 2, 3, 7} {
		seen := map[string]int{}
		for i := 1; i <= n; i++ {
			part, err := Finish(ts, nil, Shard{I: i, N: n})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range part {
				seen[x.AccountID]++
			}
		}
		if len(seen) != len(ts) {
			t.Fatalf("N=%d: shards hold %d of %d targets", n, len(seen), len(ts))
		}
		for id, c := range seen {
			if c != 1 {
				t.Fatalf("N=%d: %s in %d shards", n, id, c)
			}
		}
	}
	for _, bad := range []string{"0/3", "4/3", "1", "a/b", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Fatalf("ParseShard(%q) accepted", bad)
		}
	}
}

func TestFinishDedupSortExclude(t *testing.T) {
	ts := []Target{
		{AccountID: "333333333333", RoleARN: "arn:aws:iam::333333333333:role/r", AccountName: "c", Skipped: "x"},
		{AccountID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/r", AccountName: "sandbox-1"},
		{AccountID: "111111111111", RoleARN: "arn:aws:iam::111111111111:role/r", AccountName: "a"},
		{AccountID: "333333333333", RoleARN: "arn:aws:iam::333333333333:role/r", AccountName: "c"},
	}
	out, err := Finish(ts, []string{"sandbox-*"}, Shard{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].AccountID != "111111111111" || out[1].Skipped != "" {
		t.Fatalf("%+v", out)
	}
	if _, err := Finish(ts, []string{"["}, Shard{}); err == nil {
		t.Fatal("a bad pattern was accepted")
	}
}

func TestExpand(t *testing.T) {
	tg := &Target{AccountID: "123456789012", AccountName: "prod", RoleARN: "arn:aws:iam::123456789012:role/ops/deploy", Region: "eu-west-1"}
	got := Expand("{account_id}-{account_name}-{role}-{region}-{output_dir}-{other}", tg, "/o")
	if got != "123456789012-prod-ops/deploy-eu-west-1-/o-{other}" {
		t.Fatal(got)
	}
}

func TestPrefixWriter(t *testing.T) {
	var b bytes.Buffer
	p := &prefixWriter{r: &runner{}, w: &b, prefix: "[x] "}
	p.Write([]byte("a\nb"))
	p.Write([]byte("c\n\nd"))
	p.Close()
	if b.String() != "[x] a\n[x] bc\n[x] \n[x] d\n" {
		t.Fatalf("%q", b.String())
	}
	b.Reset()
	p = &prefixWriter{r: &runner{}, w: &b, prefix: "> "}
	p.Write([]byte(strings.Repeat("z", maxLine+10)))
	p.Close()
	if strings.Count(b.String(), "> ") != 2 {
		t.Fatal("a very long line is not split")
	}
}
