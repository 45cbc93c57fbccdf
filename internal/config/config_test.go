package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestREADME_ListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	for _, v := range Vars {
		if !strings.Contains(string(b), "`"+v.Name+"`") {
			t.Errorf("README.md's configuration table lacks %s", v.Name)
		}
	}
}

func TestLoad_DefaultsRunWithNothingSet(t *testing.T) {
	for _, v := range Vars {
		t.Setenv(v.Name, "")
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DatabaseURL != "sqlite://./data/cmp.db" || c.CommissionBPS != 2000 || c.ProvisionDeadline != 10*time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoad_RejectsBadValues(t *testing.T) {
	for name, val := range map[string]string{"CMP_COMMISSION_BPS": "20001", "CMP_PROVISION_DEADLINE": "soon", "CMP_SEED": "maybe"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, val)
			if _, err := Load(); err == nil {
				t.Fatalf("%s=%s accepted", name, val)
			}
		})
	}
}

func TestLoad_LiveStripeKeyNeedsRealSecrets(t *testing.T) {
	t.Setenv("CMP_STRIPE_SECRET_KEY", "sk_live_abc")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "CMP_STRIPE_WEBHOOK_SECRET") {
		t.Fatalf("live key with the dev webhook secret: %v", err)
	}
	t.Setenv("CMP_STRIPE_WEBHOOK_SECRET", "whsec_real")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "CMP_OPERATOR_PASSWORD") {
		t.Fatalf("live key with the dev operator password: %v", err)
	}
	t.Setenv("CMP_OPERATOR_PASSWORD", "a-real-one")
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CMP_STRIPE_SECRET_KEY", "sk_test_abc") // test mode keeps the dev defaults usable
	t.Setenv("CMP_STRIPE_WEBHOOK_SECRET", "")
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
}
