package banks

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"20", "20", true}, {"우리", "20", true}, {"우리은행", "20", true}, {"WOORI", "20", true}, {"woori", "20", true},
		{"88", "88", true}, {"신한", "88", true}, {"SHINHAN", "88", true},
		{"국민", "06", true}, {"KB국민", "06", true}, {"04", "", false},
		{" 20 ", "20", true}, {"", "", false}, {"NOBANK", "", false}, {"S6", "", false},
	}
	for _, tt := range tests {
		got, ok := Normalize(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	seen := map[string]bool{}
	for _, b := range All {
		if seen[b.Code] || len(b.Code) != 2 {
			t.Errorf("bad or duplicate code %q", b.Code)
		}
		seen[b.Code] = true
	}
}

func TestNormalizeAccount(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"20", "20", true}, {"우리은행", "20", true}, {"S3", "S3", true}, {"s3", "S3", true}, {"삼성증권", "S3", true},
		{" ST ", "ST", true}, {"토스증권", "ST", true}, {"S1", "", false}, {"증권", "", false}, {"", "", false},
	} {
		got, ok := NormalizeAccount(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeAccount(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for code := range securitiesFirms {
		if _, isBank := Normalize(code); isBank {
			t.Errorf("%s is both a bank and a securities firm", code)
		}
	}
}
