package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// RevenueRowDTO is one group of a provider's revenue (minor units).
type RevenueRowDTO struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Currency string `json:"currency"`
	Charges  int64  `json:"charges"`
	Gross    int64  `json:"gross"`
	Refunds  int64  `json:"refunds"`
	Fees     int64  `json:"fees"`
	Net      int64  `json:"net"`
}

// RevenueDTO is a provider's revenue dashboard.
type RevenueDTO struct {
	Group         string          `json:"group"`
	From          time.Time       `json:"from"`
	To            time.Time       `json:"to"`
	CommissionBPS int64           `json:"commission_bps"`
	Items         []RevenueRowDTO `json:"items"`
	Totals        RevenueRowDTO   `json:"totals"`
}

// ProviderPayoutsDTO lists a provider's payouts.
type ProviderPayoutsDTO struct {
	PayoutAccount bool        `json:"payout_account"`
	Items         []PayoutDTO `json:"items"`
}

// CustomerDTO is one subscriber of a provider's offering.
type CustomerDTO struct {
	SubscriptionID string           `json:"subscription_id"`
	Organization   Ref              `json:"organization"`
	Offering       Ref              `json:"offering"`
	Plan           Ref              `json:"plan"`
	State          string           `json:"state"`
	BillingCycle   string           `json:"billing_cycle"`
	Since          time.Time        `json:"since"`
	Spent          int64            `json:"spent"`
	Currency       string           `json:"currency"`
	LastActiveAt   *time.Time       `json:"last_active_at,omitempty"`
	Usage          map[string]int64 `json:"usage"`
}

// CustomerList lists a provider's customers.
type CustomerList struct {
	Items []CustomerDTO `json:"items"`
}

// FunnelDTO is one offering's funnel: views → checkout started → paid → activated.
type FunnelDTO struct {
	OfferingID      string  `json:"offering_id"`
	Name            string  `json:"name"`
	Views           int64   `json:"views"`
	CheckoutStarted int64   `json:"checkout_started"`
	Paid            int64   `json:"paid"`
	Activated       int64   `json:"activated"`
	Abandonment     float64 `json:"abandonment"` // share of checkouts started that did not pay
}

// AnalyticsDTO is a provider's funnel per offering and in total.
type AnalyticsDTO struct {
	From   time.Time   `json:"from"`
	To     time.Time   `json:"to"`
	Items  []FunnelDTO `json:"items"`
	Totals FunnelDTO   `json:"totals"`
}

// PayoutMethodRequest sets up where payouts go: a Stripe Connect account (its
// onboarding link is returned) or, with the sandbox payment provider only, a
// given account ID (acct_fail... makes transfers fail, for testing).
type PayoutMethodRequest struct {
	Country   string `json:"country,omitempty"`
	AccountID string `json:"account_id,omitempty"`
}

// PayoutMethodDTO is a provider's payout method.
type PayoutMethodDTO struct {
	Configured    bool   `json:"configured"`
	AccountID     string `json:"account_id,omitempty"`
	OnboardingURL string `json:"onboarding_url,omitempty"`
	Provider      string `json:"provider"` // sandbox | stripe
}

func (s *Server) routesRevenue(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/provider/revenue", doc{Summary: "Revenue by month, plan or offering: gross, refunds, fees, net",
		Tag: "money", Access: accessUser, Response: RevenueDTO{}, Query: []string{"from", "to", "group", "provider"}}, s.providerRevenue)
	s.handle(r, http.MethodGet, "/provider/payouts", doc{Summary: "The provider's payouts (period YYYY-MM, net amount, state)",
		Tag: "money", Access: accessUser, Response: ProviderPayoutsDTO{}, Query: []string{"period", "state", "provider", "limit"}}, s.providerPayouts)
	s.handle(r, http.MethodGet, "/provider/reports/:file", doc{Summary: "A month's statement as CSV: /provider/reports/2026-11.csv",
		Tag: "money", Access: accessUser, Produces: "text/csv", Query: []string{"provider"}}, s.providerReport)
	s.handle(r, http.MethodGet, "/provider/customers", doc{Summary: "Subscribers of the provider's offerings with plan, since, spend and usage",
		Tag: "money", Access: accessUser, Response: CustomerList{}, Query: []string{"provider", "limit"}}, s.providerCustomers)
	s.handle(r, http.MethodGet, "/provider/analytics", doc{Summary: "Funnel per offering: views, checkout started, paid, activated",
		Tag: "money", Access: accessUser, Response: AnalyticsDTO{}, Query: []string{"from", "to", "provider"}}, s.providerAnalytics)
	s.handle(r, http.MethodGet, "/provider/payout-method", doc{Summary: "Where the provider's payouts go",
		Tag: "money", Access: accessUser, Response: PayoutMethodDTO{}, Query: []string{"provider"}}, s.getPayoutMethod)
	s.handle(r, http.MethodPost, "/provider/payout-method", doc{Summary: "Set up payouts: a Stripe Connect account link (or a sandbox account)",
		Tag: "money", Access: accessUser, Body: PayoutMethodRequest{}, Response: PayoutMethodDTO{}, Status: http.StatusCreated, Query: []string{"provider"}}, s.setPayoutMethod)
}

// rangeQuery reads ?from= and ?to= (defaults: the last 12 months up to now).
func rangeQuery(c *gin.Context) (time.Time, time.Time, error) {
	now := time.Now().UTC()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	to := now.Add(time.Second)
	if f, err := queryTime(c, "from"); err != nil {
		return from, to, err
	} else if f != nil {
		from = *f
	}
	if t, err := queryTime(c, "to"); err != nil {
		return from, to, err
	} else if t != nil {
		to = *t
	}
	if !to.After(from) {
		return from, to, errs.Field("to", "to must be after from")
	}
	return from, to, nil
}

func (s *Server) providerRevenue(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	group := c.DefaultQuery("group", models.GroupByMonth)
	if group != models.GroupByMonth && group != models.GroupByPlan && group != models.GroupByOffering {
		fail(c, errs.Field("group", "group must be month, plan or offering"))
		return
	}
	from, to, err := rangeQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ProviderRevenue(c, p.ID, group, from, to, s.Config.CommissionBPS)
	if err != nil {
		fail(c, err)
		return
	}
	out := RevenueDTO{Group: group, From: from, To: to, CommissionBPS: s.Config.CommissionBPS, Items: []RevenueRowDTO{}, Totals: RevenueRowDTO{Key: "total", Label: "Total"}}
	for _, r := range rows {
		d := RevenueRowDTO{Key: r.Key, Label: r.Label, Currency: r.Currency, Charges: r.Charges, Gross: r.Gross, Refunds: r.Refunds, Fees: r.Fees, Net: r.Net}
		out.Items = append(out.Items, d)
		t := &out.Totals
		t.Charges, t.Gross, t.Refunds, t.Fees, t.Net = t.Charges+d.Charges, t.Gross+d.Gross, t.Refunds+d.Refunds, t.Fees+d.Fees, t.Net+d.Net
		switch {
		case t.Currency == "":
			t.Currency = d.Currency
		case t.Currency != d.Currency:
			t.Currency = "mixed"
		}
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) providerPayouts(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	f := models.PayoutFilter{ProviderID: p.ID, Period: c.Query("period"), State: c.Query("state")}
	if f.Period != "" {
		if _, _, err := models.PeriodBounds(f.Period); err != nil {
			fail(c, errs.Field("period", "period must be a month as YYYY-MM"))
			return
		}
	}
	if f.State != "" && !validPayoutState(f.State) {
		fail(c, errs.Field("state", "state must be pending, paid, held, failed or carried"))
		return
	}
	if f.Limit, err = queryLimit(c, 100, 500); err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ListPayouts(c, f)
	if err != nil {
		fail(c, err)
		return
	}
	acct, err := s.Store.PayoutAccountOf(c, p.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := ProviderPayoutsDTO{PayoutAccount: acct != "", Items: []PayoutDTO{}}
	for _, r := range rows {
		out.Items = append(out.Items, toPayoutDTO(r))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) providerReport(c *gin.Context) {
	period, ok := strings.CutSuffix(c.Param("file"), ".csv")
	if !ok {
		fail(c, errs.New(errs.NotFound, "reports are CSV files: /provider/reports/YYYY-MM.csv"))
		return
	}
	if _, _, err := models.PeriodBounds(period); err != nil {
		fail(c, errs.Field("period", "the report name must be a month as YYYY-MM.csv"))
		return
	}
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	entries, err := s.Store.ProviderStatement(c, p.ID, period)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+p.Slug+"-"+period+`.csv"`)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"occurred_at", "kind", "amount", "currency", "amount_display", "offering_id", "plan_id", "order_id", "subscription_id", "invoice_id", "payout_id", "reference"})
	for _, e := range entries {
		_ = w.Write([]string{e.OccurredAt.UTC().Format(time.RFC3339), string(e.Kind), strconv.FormatInt(e.Amount, 10), e.Currency,
			formatMoney(e.Amount, e.Currency), e.OfferingID, e.PlanID, e.OrderID, e.SubscriptionID, e.InvoiceID, e.PayoutID, e.ExternalRef})
	}
	w.Flush()
}

func (s *Server) providerCustomers(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryLimit(c, 100, 500)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ProviderCustomers(c, p.ID, limit)
	if err != nil {
		fail(c, err)
		return
	}
	out := CustomerList{Items: []CustomerDTO{}}
	for _, r := range rows {
		out.Items = append(out.Items, CustomerDTO{SubscriptionID: r.SubscriptionID,
			Organization: Ref{ID: r.OrganizationID, Name: r.OrganizationName}, Offering: Ref{ID: r.OfferingID, Name: r.OfferingName},
			Plan: Ref{ID: r.PlanID, Name: r.PlanName}, State: string(r.State), BillingCycle: string(r.BillingCycle), Since: r.Since,
			Spent: r.Spent, Currency: r.Currency, LastActiveAt: r.LastActiveAt, Usage: r.Usage})
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) providerAnalytics(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	from, to, err := rangeQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ProviderFunnel(c, p.ID, from, to)
	if err != nil {
		fail(c, err)
		return
	}
	out := AnalyticsDTO{From: from, To: to, Items: []FunnelDTO{}, Totals: FunnelDTO{Name: "Total"}}
	for _, r := range rows {
		d := FunnelDTO{OfferingID: r.OfferingID, Name: r.Name, Views: r.Views, CheckoutStarted: r.Started, Paid: r.Paid, Activated: r.Activated,
			Abandonment: abandonment(r.Started, r.Paid)}
		out.Items = append(out.Items, d)
		t := &out.Totals
		t.Views, t.CheckoutStarted, t.Paid, t.Activated = t.Views+d.Views, t.CheckoutStarted+d.CheckoutStarted, t.Paid+d.Paid, t.Activated+d.Activated
	}
	out.Totals.Abandonment = abandonment(out.Totals.CheckoutStarted, out.Totals.Paid)
	c.JSON(http.StatusOK, out)
}

// abandonment is the share of started checkouts that did not pay, in [0, 1].
func abandonment(started, paid int64) float64 {
	if started <= 0 {
		return 0
	}
	r := float64(started-paid) / float64(started)
	if r < 0 {
		return 0
	}
	return r
}

func (s *Server) getPayoutMethod(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	acct, err := s.Store.PayoutAccountOf(c, p.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, PayoutMethodDTO{Configured: acct != "", AccountID: acct, Provider: s.paymentProviderName()})
}

func (s *Server) paymentProviderName() string {
	if s.Config.StripeSecretKey != "" {
		return "stripe"
	}
	return "sandbox"
}

// setPayoutMethod creates the provider's payout account through the PayoutAccount
// workflow (the API never calls the payment provider itself) and waits for it.
func (s *Server) setPayoutMethod(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req PayoutMethodRequest
	if c.Request.ContentLength != 0 && !bindJSON(c, &req) {
		return
	}
	req.Country = strings.ToUpper(strings.TrimSpace(req.Country))
	if req.Country == "" {
		req.Country = "US"
	}
	if len(req.Country) != 2 || strings.Trim(req.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		fail(c, errs.Field("country", "country must be a two-letter ISO code such as US"))
		return
	}
	if req.AccountID != "" {
		if s.paymentProviderName() != "sandbox" {
			fail(c, errs.Field("account_id", "account_id can only be chosen with the sandbox payment provider; omit it to get a Stripe onboarding link"))
			return
		}
		if !strings.HasPrefix(req.AccountID, "acct_") || len(req.AccountID) > 100 {
			fail(c, errs.Field("account_id", "account_id must look like acct_..."))
			return
		}
	}
	base := strings.TrimSuffix(s.Config.PublicURL, "/") + "/api/v1/provider/payout-method"
	run, err := s.Temporal.ExecuteWorkflow(c, client.StartWorkflowOptions{
		ID: workflows.PayoutAccountWorkflowID(p.ID), TaskQueue: s.taskQueue(),
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		Memo:                     map[string]any{"summary": "Payout account for provider " + p.Name},
	}, workflows.PayoutAccountWorkflowName, workflows.PayoutAccountInput{ProviderID: p.ID, Country: req.Country,
		ReturnURL: base + "?onboarding=done", RefreshURL: base + "?onboarding=refresh", SandboxAccount: req.AccountID})
	if err != nil {
		fail(c, err)
		return
	}
	wctx, cancel := context.WithTimeout(c, 30*time.Second)
	defer cancel()
	var res workflows.PayoutAccountResult
	if err := run.Get(wctx, &res); err != nil {
		fail(c, errs.Wrap(errs.Unavailable, err, "the payout account could not be set up; try again"))
		return
	}
	c.JSON(http.StatusCreated, PayoutMethodDTO{Configured: true, AccountID: res.AccountID, OnboardingURL: res.OnboardingURL, Provider: s.paymentProviderName()})
}
