package api_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/testenv"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// The payout journeys run on a fixture of hand-computed ledger entries for the
// three seeded providers, on both databases, and once more with the Stripe
// provider against stripe-mock.

func TestPayouts_SQLite(t *testing.T) {
	t.Parallel()
	payoutJourney(t, apptest.Start(t, apptest.Options{}))
}

func TestPayouts_Postgres(t *testing.T) {
	t.Parallel()
	payoutJourney(t, apptest.Start(t, apptest.Options{Postgres: true}))
}

// moneyT rebinds an Env's helpers to a subtest.
func moneyT(e *apptest.Env, t *testing.T) *apptest.Env {
	c := *e
	c.T = t
	return &c
}

// fixture is the seeded providers and the months the ledger entries fall in.
type fixture struct {
	acme, northwind, helio models.Provider
	prev, cur              string
	prevStart, curStart    time.Time
}

func newFixture(t *testing.T, e *apptest.Env) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	now := time.Now().UTC()
	f.curStart = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	f.prevStart = f.curStart.AddDate(0, -1, 0)
	f.prev, f.cur = models.PeriodOf(f.prevStart), models.PeriodOf(f.curStart)
	db := e.Stack.Store.WithContext(ctx)
	for slug, p := range map[string]*models.Provider{"acme-ai": &f.acme, "northwind-labs": &f.northwind, "helio-studio": &f.helio} {
		if err := db.Take(p, "slug = ?", slug).Error; err != nil {
			t.Fatalf("seeded provider %s: %v", slug, err)
		}
	}
	return f
}

var ledgerSeq int

// book records one charge or refund for a provider at t.
func book(t *testing.T, e *apptest.Env, p models.Provider, kind models.LedgerKind, amount int64, at time.Time) {
	t.Helper()
	ledgerSeq++
	ref := models.NewID("ext")
	err := e.Stack.Store.RecordLedger(context.Background(), models.LedgerEntry{
		ID: models.NewID("led"), Kind: kind, Amount: amount, Currency: "usd", ProviderID: p.ID, OfferingID: "off_fixture",
		PlanID: "pln_fixture", OrderID: "ord_fixture", ExternalRef: ref, DedupeKey: string(kind) + ":" + ref, OccurredAt: at, CreatedAt: at,
	})
	if err != nil {
		t.Fatalf("book %s: %v", kind, err)
	}
}

func setAccount(t *testing.T, e *apptest.Env, p models.Provider, acct string) {
	t.Helper()
	if err := e.Stack.Store.SetPayoutAccount(context.Background(), p.ID, acct); err != nil {
		t.Fatalf("set payout account: %v", err)
	}
}

// runResult is the part of POST /admin/payouts/run the tests read.
type runResult struct {
	WorkflowID         string `json:"workflow_id"`
	Period             string `json:"period"`
	State              string `json:"state"`
	Created            int64  `json:"created"`
	PaidThisRun        int64  `json:"paid_this_run"`
	TransferredThisRun int64  `json:"transferred_this_run"`
	Totals             struct {
		Providers, Paid, Held, Failed, Carried, Amount int64
	} `json:"totals"`
}

type payoutItem struct {
	ID, ProviderID, Period, Currency, State, Reason, CarriedInto, TransferID string
	Amount, Gross, Refunds, Fee                                              int64
}

func runPeriod(e *apptest.Env, op apptest.User, period string) runResult {
	e.T.Helper()
	var r runResult
	e.Do(http.MethodPost, "/api/v1/admin/payouts/run", map[string]string{"period": period}, op.Token).Must(e.T, http.StatusOK).JSON(e.T, &r)
	return r
}

func payoutsOf(e *apptest.Env, op apptest.User, period string) map[string]payoutItem {
	e.T.Helper()
	var out struct {
		Items []struct {
			ID          string `json:"id"`
			ProviderID  string `json:"provider_id"`
			Period      string `json:"period"`
			Currency    string `json:"currency"`
			State       string `json:"state"`
			Reason      string `json:"reason"`
			CarriedInto string `json:"carried_into"`
			TransferID  string `json:"transfer_id"`
			Amount      int64  `json:"amount"`
			Gross       int64  `json:"gross"`
			Refunds     int64  `json:"refunds"`
			Fee         int64  `json:"fee"`
		} `json:"items"`
	}
	e.Do(http.MethodGet, "/api/v1/admin/payouts?period="+period, nil, op.Token).Must(e.T, http.StatusOK).JSON(e.T, &out)
	m := map[string]payoutItem{}
	for _, i := range out.Items {
		m[i.ProviderID] = payoutItem{i.ID, i.ProviderID, i.Period, i.Currency, i.State, i.Reason, i.CarriedInto, i.TransferID, i.Amount, i.Gross, i.Refunds, i.Fee}
	}
	return m
}

func payoutJourney(t *testing.T, e *apptest.Env) {
	f := newFixture(t, e)
	op := e.Operator()
	sandbox := e.Stack.Payments.(*payments.Sandbox)
	mid := f.prevStart.AddDate(0, 0, 10)
	// Acme: 2900 + 4900 + 1007 - 900 = 7907; 20% is 1581.4 → 1581; net 6326.
	book(t, e, f.acme, models.LedgerCharge, 2900, mid)
	book(t, e, f.acme, models.LedgerCharge, 4900, mid.Add(time.Hour))
	book(t, e, f.acme, models.LedgerCharge, 1007, mid.Add(2*time.Hour))
	book(t, e, f.acme, models.LedgerRefund, 900, mid.Add(3*time.Hour))
	// Northwind, no payout account: 2500 the month before plus 1500 → 4000, fee 800, net 3200, held.
	book(t, e, f.northwind, models.LedgerCharge, 2500, f.prevStart.AddDate(0, -1, 3))
	book(t, e, f.northwind, models.LedgerCharge, 1500, mid)
	// Helio, whose account refuses transfers: 1900, fee 380, net 1520, failed.
	book(t, e, f.helio, models.LedgerCharge, 1900, mid)
	// This month's sale is not last month's money.
	book(t, e, f.acme, models.LedgerCharge, 9999, f.curStart.Add(time.Since(f.curStart)/2))
	setAccount(t, e, f.acme, "acct_acme_ok")
	setAccount(t, e, f.helio, "acct_fail_helio")

	t.Run("LastMonthPaysHandComputedAmountsAndOneFailureDoesNotFailTheRun", func(t *testing.T) {
		e := moneyT(e, t)
		r := runPeriod(e, op, f.prev)
		if r.State != workflows.PayoutRunCompletedWithHolds || r.Created != 3 || r.PaidThisRun != 1 || r.TransferredThisRun != 6326 {
			t.Fatalf("run = %+v", r)
		}
		if r.Totals.Providers != 3 || r.Totals.Paid != 1 || r.Totals.Held != 1 || r.Totals.Failed != 1 || r.Totals.Amount != 6326 {
			t.Fatalf("totals = %+v", r.Totals)
		}
		got := payoutsOf(e, op, f.prev)
		want := map[string]payoutItem{
			f.acme.ID:      {State: "paid", Gross: 8807, Refunds: 900, Fee: 1581, Amount: 6326},
			f.northwind.ID: {State: "held", Gross: 4000, Fee: 800, Amount: 3200},
			f.helio.ID:     {State: "failed", Gross: 1900, Fee: 380, Amount: 1520},
		}
		for id, w := range want {
			g := got[id]
			if g.State != w.State || g.Gross != w.Gross || g.Refunds != w.Refunds || g.Fee != w.Fee || g.Amount != w.Amount || g.Currency != "usd" {
				t.Errorf("payout of %s = %+v, want %+v", id, g, w)
			}
		}
		if got[f.acme.ID].TransferID == "" || !strings.Contains(got[f.northwind.ID].Reason, "payout account") {
			t.Errorf("paid without transfer or held without reason: %+v", got)
		}
		if sandbox.Transfers() != 1 {
			t.Fatalf("sandbox made %d transfers, want 1", sandbox.Transfers())
		}
	})

	t.Run("ReRunningTheSamePeriodPaysNothingNew", func(t *testing.T) {
		e := moneyT(e, t)
		r := runPeriod(e, op, f.prev)
		if r.Created != 0 || r.PaidThisRun != 0 || r.TransferredThisRun != 0 || r.Totals.Amount != 6326 {
			t.Fatalf("re-run = %+v", r)
		}
		if sandbox.Transfers() != 1 {
			t.Fatalf("sandbox made %d transfers after the re-run, want 1", sandbox.Transfers())
		}
		var n int64
		e.Stack.Store.WithContext(context.Background()).Model(&models.Payout{}).Where("period = ?", f.prev).Count(&n)
		if n != 3 {
			t.Fatalf("%d payout rows for %s, want 3", n, f.prev)
		}
	})

	t.Run("HeldAndFailedAmountsAreCarriedIntoTheNextPayout", func(t *testing.T) {
		e := moneyT(e, t)
		setAccount(t, e, f.northwind, "acct_northwind_ok")
		setAccount(t, e, f.helio, "acct_helio_ok")
		r := runPeriod(e, op, f.cur) // this month to date
		// Acme 9999 → fee 2000 (1999.8), net 7999; northwind carries 3200; helio 1520.
		if r.PaidThisRun != 3 || r.TransferredThisRun != 7999+3200+1520 {
			t.Fatalf("month-to-date run = %+v", r)
		}
		cur, prev := payoutsOf(e, op, f.cur), payoutsOf(e, op, f.prev)
		if cur[f.northwind.ID].Amount != 3200 || cur[f.helio.ID].Amount != 1520 || cur[f.acme.ID].Amount != 7999 {
			t.Fatalf("current payouts = %+v", cur)
		}
		for _, p := range []models.Provider{f.northwind, f.helio} {
			if g := prev[p.ID]; g.State != "carried" || g.CarriedInto != cur[p.ID].ID {
				t.Errorf("previous payout of %s = %+v, want carried into %s", p.Slug, g, cur[p.ID].ID)
			}
		}
		var rec struct {
			Reconciliation struct {
				Balanced    bool  `json:"balanced"`
				PaidPayouts int64 `json:"paid_payouts"`
			} `json:"reconciliation"`
		}
		e.Do(http.MethodGet, "/api/v1/admin/payouts?period="+f.cur, nil, op.Token).Must(t, http.StatusOK).JSON(t, &rec)
		if !rec.Reconciliation.Balanced || rec.Reconciliation.PaidPayouts != 7999+3200+1520 {
			t.Errorf("reconciliation = %+v", rec.Reconciliation)
		}
		if sandbox.Transfers() != 4 {
			t.Fatalf("sandbox made %d transfers, want 4", sandbox.Transfers())
		}
	})

	t.Run("LedgerReconciles", func(t *testing.T) {
		bal, err := e.Stack.Store.LedgerBalances(context.Background(), "")
		if err != nil || len(bal) != 1 {
			t.Fatalf("balances %+v, %v", bal, err)
		}
		b := bal[0]
		// Everything charged has now been split into fee and earning, and every earning paid.
		if b.Charges-b.Refunds != b.PlatformFees+b.ProviderEarning || b.ProviderEarning != b.Payouts {
			t.Fatalf("ledger does not reconcile: %+v", b)
		}
		if b.Payouts != 6326+7999+3200+1520 {
			t.Fatalf("payouts in the ledger = %d", b.Payouts)
		}
	})

	t.Run("ProviderReadsRevenuePayoutsAndCSV", func(t *testing.T) {
		e := moneyT(e, t)
		staff := providerStaff(t, e, f.acme)
		var rev struct {
			Items []struct {
				Key                       string
				Gross, Refunds, Fees, Net int64
			} `json:"items"`
		}
		e.Do(http.MethodGet, "/api/v1/provider/revenue?group=month&from="+f.prevStart.Format("2006-01-02"), nil, staff.Token).Must(t, http.StatusOK).JSON(t, &rev)
		if len(rev.Items) != 2 || rev.Items[0].Key != f.prev || rev.Items[0].Gross != 8807 || rev.Items[0].Refunds != 900 ||
			rev.Items[0].Fees != 1581 || rev.Items[0].Net != 6326 || rev.Items[1].Gross != 9999 {
			t.Fatalf("revenue = %+v", rev)
		}
		var pays struct {
			PayoutAccount bool `json:"payout_account"`
			Items         []struct {
				Period, Currency, State string
				Amount                  int64
			} `json:"items"`
		}
		e.Do(http.MethodGet, "/api/v1/provider/payouts", nil, staff.Token).Must(t, http.StatusOK).JSON(t, &pays)
		if !pays.PayoutAccount || len(pays.Items) != 2 || pays.Items[1].Period != f.prev || pays.Items[1].Amount != 6326 ||
			pays.Items[1].State != "paid" || pays.Items[1].Currency != "usd" {
			t.Fatalf("payouts = %+v", pays)
		}
		r := e.Do(http.MethodGet, "/api/v1/provider/reports/"+f.prev+".csv", nil, staff.Token).Must(t, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("content type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v", err)
		}
		kinds := map[string]int64{}
		for _, row := range rows[1:] {
			var n int64
			for _, c := range row[2] {
				n = n*10 + int64(c-'0')
			}
			kinds[row[1]] += n
		}
		if kinds["charge"] != 8807 || kinds["refund"] != 900 || kinds["platform_fee"] != 1581 || kinds["payout"] != 6326 {
			t.Fatalf("statement sums %v:\n%s", kinds, r.Body)
		}
		e.Do(http.MethodGet, "/api/v1/provider/reports/2026-13.csv", nil, staff.Token).Must(t, http.StatusBadRequest)
	})

	t.Run("OthersSeeNoneOfIt", func(t *testing.T) {
		e := moneyT(e, t)
		buyer := e.Register("Bea")
		if r := e.Do(http.MethodGet, "/api/v1/provider/payouts", nil, buyer.Token); r.Status != http.StatusForbidden || r.ErrorCode() != "not_a_provider" {
			t.Fatalf("a buyer reading payouts: %s", r)
		}
		other := providerStaff(t, e, f.northwind)
		var pays struct {
			Items []struct{ Amount int64 } `json:"items"`
		}
		e.Do(http.MethodGet, "/api/v1/provider/payouts?provider="+f.acme.ID, nil, other.Token).Must(t, http.StatusForbidden)
		e.Do(http.MethodGet, "/api/v1/provider/payouts", nil, other.Token).Must(t, http.StatusOK).JSON(t, &pays)
		if len(pays.Items) != 2 || pays.Items[0].Amount != 3200 {
			t.Fatalf("northwind sees %+v", pays)
		}
		e.Do(http.MethodPost, "/api/v1/admin/payouts/run", map[string]string{"period": f.prev}, buyer.Token).Must(t, http.StatusForbidden)
		for _, bad := range []string{"2026-1", "nope", "2999-01"} {
			if r := e.Do(http.MethodPost, "/api/v1/admin/payouts/run", map[string]string{"period": bad}, op.Token); r.Status != http.StatusBadRequest {
				t.Errorf("period %q: %s", bad, r)
			}
		}
	})

	t.Run("FinanceFindsTheRunInTemporalBySearchAttributes", func(t *testing.T) {
		ctx := context.Background()
		var resp *workflowservice.ListWorkflowExecutionsResponse
		var err error
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			resp, err = e.Stack.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Namespace: e.Config.TemporalNamespace,
				Query:     `CmpPeriod = "` + f.prev + `" AND TaskQueue = "` + e.Config.TaskQueue + `" AND ExecutionStatus = "Completed"`,
			})
			if err == nil && len(resp.Executions) == 2 {
				break
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Executions) != 2 {
			t.Fatalf("%d completed runs for %s, want 2", len(resp.Executions), f.prev)
		}
		ex := resp.Executions[0]
		if ex.GetExecution().GetWorkflowId() != workflows.PayoutWorkflowID(f.prev) || ex.GetMemo().GetFields()["summary"] == nil {
			t.Fatalf("run %v has no summary memo", ex.GetExecution())
		}
		// Finance reads the totals from the run's search attributes (the summary
		// query is covered by the workflow's unit test).
		var amount, count int64
		sa := ex.GetSearchAttributes().GetIndexedFields()
		if err := converter.GetDefaultDataConverter().FromPayload(sa[workflows.SAAmount], &amount); err != nil || amount != 6326 {
			t.Fatalf("CmpAmount = %d, %v", amount, err)
		}
		if err := converter.GetDefaultDataConverter().FromPayload(sa[workflows.SAProviderCount], &count); err != nil || count != 3 {
			t.Fatalf("CmpProviderCount = %d, %v", count, err)
		}
	})

	t.Run("TheWorkerCreatedTheMonthlySchedule", func(t *testing.T) {
		ctx := context.Background()
		d, err := e.Stack.Temporal.ScheduleClient().GetHandle(ctx, app.PayoutScheduleID(e.Config.TaskQueue)).Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d.Schedule.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP || d.Schedule.Policy.CatchupWindow < 24*time.Hour {
			t.Fatalf("policy = %+v", d.Schedule.Policy)
		}
		next := d.Info.NextActionTimes
		if len(next) == 0 || next[0].UTC().Day() != 1 || next[0].UTC().Hour() != 2 || next[0].UTC().Minute() != 0 {
			t.Fatalf("next runs %v, want 02:00 UTC on the 1st", next)
		}
		// Starting the worker again leaves the one schedule in place.
		if err := app.EnsurePayoutSchedule(ctx, e.Stack.Temporal, e.Config.TaskQueue); err != nil {
			t.Fatal(err)
		}
	})
}

// providerStaff registers a user and makes them an owner of p's organization.
func providerStaff(t *testing.T, e *apptest.Env, p models.Provider) apptest.User {
	t.Helper()
	u := e.Register("Staff of " + p.Name)
	err := e.Stack.Store.WithContext(context.Background()).Create(&models.Membership{OrganizationID: p.OrganizationID, UserID: u.ID, Role: models.RoleOwner, CreatedAt: models.Now()}).Error
	if err != nil {
		t.Fatalf("membership: %v", err)
	}
	return u
}

func TestPayouts_StripeConnectTransfersAgainstStripeMock(t *testing.T) {
	t.Parallel()
	mock := testenv.StartStripeMock(t)
	e := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.StripeSecretKey, c.StripeAPIBase = "sk_test_cmp", mock
	}})
	f := newFixture(t, e)
	book(t, e, f.acme, models.LedgerCharge, 5000, f.prevStart.AddDate(0, 0, 2))
	staff := providerStaff(t, e, f.acme)
	// The payout method goes through the PayoutAccount workflow to Stripe Connect.
	var pm struct {
		Configured    bool   `json:"configured"`
		AccountID     string `json:"account_id"`
		OnboardingURL string `json:"onboarding_url"`
		Provider      string `json:"provider"`
	}
	e.Do(http.MethodPost, "/api/v1/provider/payout-method", map[string]string{"country": "US"}, staff.Token).Must(t, http.StatusCreated).JSON(t, &pm)
	if !pm.Configured || !strings.HasPrefix(pm.AccountID, "acct_") || pm.OnboardingURL == "" || pm.Provider != "stripe" {
		t.Fatalf("payout method = %+v", pm)
	}
	e.Do(http.MethodPost, "/api/v1/provider/payout-method", map[string]string{"account_id": "acct_x"}, staff.Token).Must(t, http.StatusBadRequest)
	r := runPeriod(e, e.Operator(), f.prev)
	if r.PaidThisRun != 1 || r.TransferredThisRun != 4000 {
		t.Fatalf("run against stripe-mock = %+v", r)
	}
	got := payoutsOf(e, e.Operator(), f.prev)[f.acme.ID]
	if got.State != "paid" || !strings.HasPrefix(got.TransferID, "tr_") {
		t.Fatalf("payout = %+v", got)
	}
}
