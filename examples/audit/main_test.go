package main

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestSandboxReport: without keys the command audits the seeded
// sandboxes and prints the totals of both gateways and one discrepancy of
// each kind, and nothing else.
func TestSandboxReport(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"-from", "2026-03-01", "-to", "2026-03-07", "-seed", "12"}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"Audit of 2026-03-01 to 2026-03-07 (UTC), gateways: toss, stripe", "toss     KRW", "stripe   USD",
		"6 discrepancies", "missing_locally", "missing_at_gateway", "amount_mismatch", "status_mismatch", "refund_mismatch", "PAYOUT DAY"} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(errOut.String(), "in-process sandboxes") || !strings.Contains(errOut.String(), "reading the") {
		t.Errorf("stderr: %q", errOut.String())
	}
}

// TestCSVAndBadFlags: -csv prints the discrepancies as CSV; bad days and
// zones are refused before anything runs.
func TestCSVAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"-from", "2026-03-01", "-to", "2026-03-02", "-csv", "-seed", "8"}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 7 || rows[0][0] != "kind" {
		t.Errorf("csv: %d rows, %v:\n%s", len(rows), err, out.String())
	}
	for _, args := range [][]string{{"-from", "2026-02-30"}, {"-from", "2026-03-02", "-to", "2026-03-01"}, {"-tz", "Mars/Olympus"}} {
		if err := run(t.Context(), args, func(string) string { return "" }, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
