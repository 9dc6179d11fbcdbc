package httpjson

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

var appendStringSeeds = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "\b\f\n\r\t\x00\x1f\x7f",
	"김토스 외 1건", "\u2028\u2029", "\xff\xfe invalid", "\xed\xa0\x80", "😀", "a\u0085b",
}

// TestAppendString checks AppendString against encoding/json on the
// seeds; FuzzAppendString on anything.
func TestAppendString(t *testing.T) {
	for _, s := range appendStringSeeds {
		checkAppendString(t, s)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range appendStringSeeds {
		f.Add(s)
	}
	f.Fuzz(checkAppendString)
}

func checkAppendString(t *testing.T, s string) {
	want, err := json.Marshal(s) // escapes HTML, as Write does
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendString([]byte("prefix"), s); !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("AppendString(%q) = %s, want %s", s, got[len("prefix"):], want)
	}
}

// FuzzAppendTime checks AppendTime against encoding/json, failures
// included.
func FuzzAppendTime(f *testing.F) {
	f.Add(int64(1769049000), int64(0), 9*3600)
	f.Add(int64(1769049000), int64(123456789), 0)
	f.Add(int64(-62135596800), int64(1), -3600)
	f.Add(int64(253402300800), int64(0), 0) // year 10000
	f.Add(int64(-62135596801), int64(0), 0) // year 0
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int) {
		tm := time.Unix(sec, nsec%1e9).In(time.FixedZone("", offset%(18*3600)))
		want, werr := json.Marshal(tm)
		got, ok := AppendTime(nil, tm)
		if (werr == nil) != ok {
			t.Fatalf("AppendTime(%v) ok=%v; encoding/json error %v", tm, ok, werr)
		}
		if ok && !bytes.Equal(got, want) {
			t.Errorf("AppendTime(%v) = %s, want %s", tm, got, want)
		}
	})
}
