package stripetest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dump renders a form tree as plain Go values for comparison.
func dump(n *formNode) any {
	switch n.kind {
	case leafNode:
		return n.value
	case listNode:
		out := []any{}
		for _, it := range n.items {
			out = append(out, dump(it))
		}
		return out
	}
	out := map[string]any{}
	for _, k := range n.keys {
		out[k] = dump(n.kids[k])
	}
	return out
}

func TestParseForm(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"empty", "", map[string]any{}},
		{"scalars", "amount=58990&currency=krw", map[string]any{"amount": "58990", "currency": "krw"}},
		{"stripe-go nesting",
			"line_items[0][price_data][product_data][name]=Cool+T-Shirt&line_items[0][quantity]=1&metadata[order_number]=ORD%2D1&payment_intent_data[metadata][order_number]=ORD-1",
			map[string]any{
				"line_items":          map[string]any{"0": map[string]any{"price_data": map[string]any{"product_data": map[string]any{"name": "Cool T-Shirt"}}, "quantity": "1"}},
				"metadata":            map[string]any{"order_number": "ORD-1"},
				"payment_intent_data": map[string]any{"metadata": map[string]any{"order_number": "ORD-1"}},
			}},
		{"expand indexed", "expand[0]=payment_intent&expand[1]=line_items", map[string]any{"expand": map[string]any{"0": "payment_intent", "1": "line_items"}}},
		{"expand appended", "expand[]=payment_intent&expand[]=line_items", map[string]any{"expand": []any{"payment_intent", "line_items"}}},
		{"rack list of objects", "a[][x]=1&a[][y]=2&a[][x]=3", map[string]any{"a": []any{map[string]any{"x": "1", "y": "2"}, map[string]any{"x": "3"}}}},
		{"last wins", "a=1&a=2", map[string]any{"a": "2"}},
		{"escaped brackets", "metadata%5Bk%5D=v", map[string]any{"metadata": map[string]any{"k": "v"}}},
		{"utf-8", "metadata[name]=%EC%BF%A8+%ED%8B%B0%EC%85%94%EC%B8%A0", map[string]any{"metadata": map[string]any{"name": "쿨 티셔츠"}}},
		{"empty pairs", "&&a=1&", map[string]any{"a": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, _, err := parseForm(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, dump(n)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFormErrors(t *testing.T) {
	for _, in := range []string{
		"a=%zz", "%zz=1", "[a]=1", "a[b=1", "a]b=1", "a[b]c=1", "a=1&a[b]=2", "a[b]=2&a=1",
		"a[]=1&a[x]=1", "a[x]=1&a[]=1", "a[][]=1", "a[b][c][d][e][f][g][h][i]=1", "=1",
	} {
		if _, _, err := parseForm(in); err == nil {
			t.Errorf("parseForm(%q) succeeded", in)
		}
	}
	if _, _, err := parseForm(strings.Repeat("a=1&", maxFormPairs+1)); err == nil {
		t.Error("too many pairs accepted")
	}
}

func TestElements(t *testing.T) {
	n, _, err := parseForm("l[2]=c&l[0]=a&l[10]=d&l[1]=b")
	if err != nil {
		t.Fatal(err)
	}
	d := &decoder{}
	got, _ := d.root(n).strings("l")
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, in := range []string{"l[x]=1", "l[01]=1", "l[-1]=1", "l[99999]=1"} {
		n, _, err := parseForm(in)
		if err != nil {
			t.Fatal(err)
		}
		d := &decoder{}
		d.root(n).strings("l")
		if d.err == nil || d.err.HTTPStatus != 400 {
			t.Errorf("%q accepted as a list", in)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for _, tt := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{58990, "krw", "₩58,990"},
		{1000, "jpy", "¥1,000"},
		{1099, "usd", "$10.99"},
		{5, "usd", "$0.05"},
		{123456789, "eur", "€1,234,567.89"},
		{5120, "kwd", "KWD 5.120"},
		{50, "bhd", "BHD 0.050"},
		{990, "vnd", "VND 990"},
		{-1099, "usd", "-$10.99"},
		{0, "gbp", "£0.00"},
	} {
		if got := formatAmount(tt.amount, tt.currency); got != tt.want {
			t.Errorf("formatAmount(%d, %s) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

// FuzzForm checks that no request body makes the decoder panic or the API
// answer with a 5xx.
func FuzzForm(f *testing.F) {
	for _, seed := range []string{
		"",
		"amount=58990&currency=krw&payment_method=pm_card_visa&confirm=true&return_url=https%3A%2F%2Fx.example%2Fr",
		"mode=payment&success_url=https%3A%2F%2Fx.example%2Fs&line_items[0][quantity]=1&line_items[0][price_data][currency]=krw&line_items[0][price_data][unit_amount]=100&line_items[0][price_data][product_data][name]=T",
		"expand[]=payment_intent&expand[]=line_items",
		"a[][x]=1&a[][y]=2&a[][x]=3",
		"payment_intent=pi_x&amount=1&reason=duplicate",
		"a=%zz", "a[b=1", "a=1&a[b]=2", "metadata[k]=v&metadata[k][x]=1",
	} {
		f.Add(seed)
	}
	s := New(Config{})
	defer s.Close()
	paths := []string{"/v1/checkout/sessions", "/v1/payment_intents", "/v1/refunds", "/v1/payment_intents/pi_x/confirm"}
	f.Fuzz(func(t *testing.T, body string) {
		n, flat, err := parseForm(body)
		if err == nil && (n == nil || flat == nil) {
			t.Fatal("nil tree without error")
		}
		for _, p := range paths {
			req := httptest.NewRequest(http.MethodPost, p, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer sk_test_fuzz")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("POST %s %q: status %d: %s", p, body, rec.Code, rec.Body)
			}
			if err != nil && rec.Code != 400 {
				t.Fatalf("POST %s %q: undecodable body answered %d, want 400", p, body, rec.Code)
			}
		}
		get := httptest.NewRequest(http.MethodGet, "/v1/payment_intents/pi_x", nil)
		get.URL.RawQuery = body
		get.Header.Set("Authorization", "Bearer sk_test_fuzz")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, get)
		if rec.Code >= 500 {
			t.Fatalf("GET ?%q: status %d", body, rec.Code)
		}
	})
}
