package api_test

import (
	"context"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// TestBuyer_AnUpgradeReachesSiteKitWithTheNewPlansLimits checks the real
// push: after an upgrade the deployment reports the new plan and its limits.
func TestBuyer_AnUpgradeReachesSiteKitWithTheNewPlansLimits(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	u := e.Register("Uma")
	p := e.Checkout(u, "support-agent", "Starter")
	sk := sitekit.NewClient(e.SiteKitURL, e.Config.SiteKitToken, nil)
	ctx := context.Background()
	before, err := sk.GetDeployment(ctx, p.Agent.ID)
	if err != nil || before.Plan != "Starter" {
		t.Fatalf("deployment before %+v %v", before, err)
	}
	var pro models.Plan
	if err := e.Stack.Store.WithContext(ctx).Joins("JOIN offerings ON offerings.id = plans.offering_id").
		Where("offerings.slug = ? AND plans.name = ?", "support-agent", "Pro").Take(&pro).Error; err != nil {
		t.Fatalf("seeded Pro plan: %v", err)
	}
	if maps.Equal(pro.Limits.V, before.Limits) {
		t.Fatalf("the seed's Pro and Starter limits are the same (%v): the test could not tell them apart", before.Limits)
	}
	e.Do(http.MethodPost, "/api/v1/subscriptions/"+p.Subscription.ID+"/plan", map[string]string{"plan": "Pro"}, u.Token).Must(t, http.StatusOK)
	eventually(t, 10*time.Second, func() string {
		d, err := sk.GetDeployment(ctx, p.Agent.ID)
		if err != nil {
			return err.Error()
		}
		if d.Plan != "Pro" || !maps.Equal(d.Limits, pro.Limits.V) || d.Versions.Plan == 0 {
			return "deployment still " + d.Plan
		}
		return ""
	})
}
