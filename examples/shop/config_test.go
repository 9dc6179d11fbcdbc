package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/payments-go/payments"
)

func TestLoadConfig(t *testing.T) {
	sandbox := func(c *config) *config {
		c.Toss.Sandbox, c.Stripe.Sandbox = true, true
		return c
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    *config // AdminToken is checked apart when generated; zero timings mean the defaults
		wantErr string
	}{
		{
			name: "nothing set: sandbox on 127.0.0.1:8080 with a generated token",
			env:  map[string]string{},
			want: sandbox(&config{Addr: "127.0.0.1:8080", AdminTokenGenerated: true}),
		},
		{
			name: "blank values count as unset",
			env:  map[string]string{"PAYMENTS_ADDR": "  ", "TOSS_SECRET_KEY": " ", "STRIPE_SECRET_KEY": ""},
			want: sandbox(&config{Addr: "127.0.0.1:8080", AdminTokenGenerated: true}),
		},
		{
			name: "address, public URL, origins, token, database",
			env: map[string]string{
				"PAYMENTS_ADDR":            "0.0.0.0:9000",
				"PAYMENTS_PUBLIC_URL":      "https://shop.example/",
				"PAYMENTS_ALLOWED_ORIGINS": " https://shop.example , http://127.0.0.1:9000/,,https://m.shop.example",
				"PAYMENTS_ADMIN_TOKEN":     "s3cret-admin-token",
				"PAYMENTS_DATABASE_URL":    "postgres://u:pw@db/shop",
			},
			want: sandbox(&config{
				Addr:           "0.0.0.0:9000",
				PublicURL:      "https://shop.example",
				AllowedOrigins: []string{"https://shop.example", "http://127.0.0.1:9000", "https://m.shop.example"},
				AdminToken:     "s3cret-admin-token",
				DatabaseURL:    "postgres://u:pw@db/shop",
			}),
		},
		{
			name: "public URL with a path (behind a proxy)",
			env:  map[string]string{"PAYMENTS_PUBLIC_URL": "https://example.com/shop/", "PAYMENTS_ADMIN_TOKEN": "t"},
			want: sandbox(&config{Addr: defaultAddr, PublicURL: "https://example.com/shop", AdminToken: "t"}),
		},
		{
			name: "Toss keys: the real API",
			env: map[string]string{
				"TOSS_SECRET_KEY": "test_sk_abc", "TOSS_CLIENT_KEY": "test_ck_abc", "TOSS_WEBHOOK_SECRET": "hook-secret",
				"PAYMENTS_ADMIN_TOKEN": "t",
			},
			want: &config{Addr: defaultAddr, AdminToken: "t",
				Toss:   tossConfig{SecretKey: "test_sk_abc", ClientKey: "test_ck_abc", WebhookSecret: "hook-secret"},
				Stripe: stripeConfig{Sandbox: true}},
		},
		{
			name: "Toss keys and TOSS_API_BASE",
			env: map[string]string{
				"TOSS_SECRET_KEY": "test_sk_abc", "TOSS_CLIENT_KEY": "test_ck_abc", "TOSS_API_BASE": "http://127.0.0.1:1234/toss",
				"PAYMENTS_ADMIN_TOKEN": "t",
			},
			want: &config{Addr: defaultAddr, AdminToken: "t",
				Toss:   tossConfig{SecretKey: "test_sk_abc", ClientKey: "test_ck_abc", APIBase: "http://127.0.0.1:1234/toss"},
				Stripe: stripeConfig{Sandbox: true}},
		},
		{
			name: "sandbox Toss keeps TOSS_WEBHOOK_SECRET",
			env:  map[string]string{"TOSS_WEBHOOK_SECRET": "hook-secret", "PAYMENTS_ADMIN_TOKEN": "t"},
			want: &config{Addr: defaultAddr, AdminToken: "t",
				Toss:   tossConfig{Sandbox: true, WebhookSecret: "hook-secret"},
				Stripe: stripeConfig{Sandbox: true}},
		},
		{
			name: "Stripe key, base and webhook secret",
			env: map[string]string{
				"STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_API_BASE": "http://localhost:12111", "STRIPE_WEBHOOK_SECRET": "whsec_abc",
				"PAYMENTS_ADMIN_TOKEN": "t",
			},
			want: &config{Addr: defaultAddr, AdminToken: "t",
				Toss:   tossConfig{Sandbox: true},
				Stripe: stripeConfig{SecretKey: "sk_test_abc", APIBase: "http://localhost:12111", WebhookSecret: "whsec_abc"}},
		},
		{
			name: "sandbox Stripe keeps STRIPE_WEBHOOK_SECRET",
			env:  map[string]string{"STRIPE_WEBHOOK_SECRET": "whsec_abc", "PAYMENTS_ADMIN_TOKEN": "t"},
			want: &config{Addr: defaultAddr, AdminToken: "t",
				Toss:   tossConfig{Sandbox: true},
				Stripe: stripeConfig{Sandbox: true, WebhookSecret: "whsec_abc"}},
		},
		{
			name: "background loop timings",
			env:  map[string]string{"PAYMENTS_SWEEP_INTERVAL": "200ms", "PAYMENTS_SETTLE_AFTER": " 2s ", "PAYMENTS_ADMIN_TOKEN": "t"},
			want: sandbox(&config{Addr: defaultAddr, AdminToken: "t", SweepInterval: 200 * time.Millisecond, SettleAfter: 2 * time.Second}),
		},
		{
			name: "live with live keys",
			env: map[string]string{"PAYMENTS_LIVE": "1", "PAYMENTS_ADMIN_TOKEN": "t", "TOSS_SECRET_KEY": "live_sk_a", "TOSS_CLIENT_KEY": "live_ck_a",
				"STRIPE_SECRET_KEY": "sk_live_a"},
			want: &config{Addr: defaultAddr, AdminToken: "t", Live: true,
				Toss: tossConfig{SecretKey: "live_sk_a", ClientKey: "live_ck_a"}, Stripe: stripeConfig{SecretKey: "sk_live_a"}},
		},
		{name: "live with a sandbox", env: map[string]string{"PAYMENTS_LIVE": "1", "STRIPE_SECRET_KEY": "sk_live_a"}, wantErr: "PAYMENTS_LIVE"},
		{name: "live not a flag", env: map[string]string{"PAYMENTS_LIVE": "yes"}, wantErr: "PAYMENTS_LIVE"},
		{name: "sweep interval without unit", env: map[string]string{"PAYMENTS_SWEEP_INTERVAL": "30"}, wantErr: "PAYMENTS_SWEEP_INTERVAL"},
		{name: "zero sweep interval", env: map[string]string{"PAYMENTS_SWEEP_INTERVAL": "0s"}, wantErr: "PAYMENTS_SWEEP_INTERVAL"},
		{name: "negative settle delay", env: map[string]string{"PAYMENTS_SETTLE_AFTER": "-1m"}, wantErr: "PAYMENTS_SETTLE_AFTER"},
		{name: "address without port", env: map[string]string{"PAYMENTS_ADDR": "8080"}, wantErr: "PAYMENTS_ADDR"},
		{name: "relative public URL", env: map[string]string{"PAYMENTS_PUBLIC_URL": "shop.example"}, wantErr: "PAYMENTS_PUBLIC_URL"},
		{name: "public URL with query", env: map[string]string{"PAYMENTS_PUBLIC_URL": "https://shop.example/?a=1"}, wantErr: "PAYMENTS_PUBLIC_URL"},
		{name: "public URL not http", env: map[string]string{"PAYMENTS_PUBLIC_URL": "ftp://shop.example"}, wantErr: "PAYMENTS_PUBLIC_URL"},
		{name: "origin with a path", env: map[string]string{"PAYMENTS_ALLOWED_ORIGINS": "https://shop.example/pay"}, wantErr: "PAYMENTS_ALLOWED_ORIGINS"},
		{name: "origin without scheme", env: map[string]string{"PAYMENTS_ALLOWED_ORIGINS": "shop.example"}, wantErr: "PAYMENTS_ALLOWED_ORIGINS"},
		{name: "Toss secret key alone", env: map[string]string{"TOSS_SECRET_KEY": "test_sk_abc"}, wantErr: "TOSS_CLIENT_KEY"},
		{name: "Toss client key alone", env: map[string]string{"TOSS_CLIENT_KEY": "test_ck_abc"}, wantErr: "TOSS_SECRET_KEY"},
		{name: "TOSS_API_BASE without keys", env: map[string]string{"TOSS_API_BASE": "http://127.0.0.1:1"}, wantErr: "TOSS_API_BASE"},
		{name: "bad TOSS_API_BASE", env: map[string]string{"TOSS_SECRET_KEY": "test_sk_a", "TOSS_CLIENT_KEY": "test_ck_a", "TOSS_API_BASE": "api.tosspayments.com"}, wantErr: "TOSS_API_BASE"},
		{name: "STRIPE_API_BASE without key", env: map[string]string{"STRIPE_API_BASE": "http://127.0.0.1:1"}, wantErr: "STRIPE_API_BASE"},
		{name: "bad STRIPE_API_BASE", env: map[string]string{"STRIPE_SECRET_KEY": "sk_test_a", "STRIPE_API_BASE": "https://u:p@api.stripe.com"}, wantErr: "STRIPE_API_BASE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig: error %v, want one mentioning %s", err, tt.wantErr)
				}
				for _, v := range tt.env {
					if strings.Contains(v, "test_sk_") && strings.Contains(err.Error(), v) {
						t.Errorf("the error %q shows the secret key", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			if got.AdminTokenGenerated {
				if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(got.AdminToken.Reveal()) {
					t.Errorf("generated admin token %q is not 32 hex digits", got.AdminToken.Reveal())
				}
				got.AdminToken = ""
			}
			if tt.want.SweepInterval == 0 {
				tt.want.SweepInterval = defaultSweepInterval
			}
			if tt.want.SettleAfter == 0 {
				tt.want.SettleAfter = defaultSettleAfter
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(config{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("loadConfig (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConfigHidesSecrets: printing the configuration, as a failing test
// or a careless log line might, shows no secret.
func TestConfigHidesSecrets(t *testing.T) {
	env := map[string]string{
		"TOSS_SECRET_KEY": "test_sk_zzzSECRET", "TOSS_CLIENT_KEY": "test_ck_public", "TOSS_WEBHOOK_SECRET": "tossHOOKsecret",
		"STRIPE_SECRET_KEY": "sk_test_zzzSECRET", "STRIPE_WEBHOOK_SECRET": "whsec_zzzSECRET",
		"PAYMENTS_ADMIN_TOKEN": "adminTOKENsecret", "PAYMENTS_DATABASE_URL": "postgres://u:dbPASSWORD@db/x",
	}
	c, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c)} {
		for _, secret := range []string{"zzzSECRET", "tossHOOKsecret", "adminTOKENsecret", "dbPASSWORD"} {
			if strings.Contains(out, secret) {
				t.Errorf("printed config shows %q: %s", secret, out)
			}
		}
	}
	if c.Toss.SecretKey != payments.Secret("test_sk_zzzSECRET") {
		t.Errorf("Toss secret key not kept")
	}
}

func TestDefaultPublicURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"localhost:80":   "http://localhost:80",
		":8080":          "http://localhost:8080",
		"0.0.0.0:9000":   "http://localhost:9000",
		"[::]:9000":      "http://localhost:9000",
		"[::1]:9000":     "http://[::1]:9000",
		"shop.lan:8080":  "http://shop.lan:8080",
	} {
		if got := defaultPublicURL(addr); got != want {
			t.Errorf("defaultPublicURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
