package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// The checkout journeys run against one stack per database: a real Temporal dev
// server, the embedded Site-Kit and sandbox payments. Subtests share the stack
// and run in order, because the Site-Kit outage affects all of it.

func TestCheckout_SQLite(t *testing.T) {
	t.Parallel()
	checkoutJourneys(t, apptest.Start(t, apptest.Options{}))
}

func TestCheckout_Postgres(t *testing.T) {
	t.Parallel()
	checkoutJourneys(t, apptest.Start(t, apptest.Options{Postgres: true}))
}

func checkoutJourneys(t *testing.T, env *apptest.Env) {
	for _, j := range []struct {
		name string
		run  func(t *testing.T, e *apptest.Env)
	}{
		{"PaymentConfirmedAnswersThenAgentRuns", testPaymentConfirmedAnswersThenAgentRuns},
		{"SameKeyTenTimesAtOnceIsOneOrderAndOneCharge", testSameKeyTenTimesAtOnceIsOneOrderAndOneCharge},
		{"FirstCheckoutsAtOnceShareOneOrganization", testFirstCheckoutsAtOnceShareOneOrganization},
		{"DeclinedCardIs402AndProvisionsNothing", testDeclinedCardIs402AndProvisionsNothing},
		{"InsufficientFundsIs402WithTheReason", testInsufficientFundsIs402WithTheReason},
		{"BadRequestsAreRefusedAndStoreNothing", testBadRequestsAreRefusedAndStoreNothing},
		{"SiteKitOutageDelaysTheOrderUntilItRecovers", testSiteKitOutageDelaysTheOrderUntilItRecovers},
		{"RejectedPackageRefundsAndFailsTheOrder", testRejectedPackageRefundsAndFailsTheOrder},
		{"AnotherBuyerSeesNothingOfIt", testAnotherBuyerSeesNothingOfIt},
		{"TemporalListsTheCheckoutBySearchAttributes", testTemporalListsTheCheckoutBySearchAttributes},
		{"KeysAreShownOnceValidatedAndRevocable", testKeysAreShownOnceValidatedAndRevocable},
		{"AccountsAndReadiness", testAccountsAndReadiness},
	} {
		t.Run(j.name, func(t *testing.T) { j.run(t, on(env, t)) })
	}
}

// on rebinds an Env's helpers to a subtest, so failures stop that subtest only.
func on(e *apptest.Env, t *testing.T) *apptest.Env {
	c := *e
	c.T = t
	return &c
}

// httpc bounds raw requests, so a hung server fails the test instead of stalling it.
var httpc = &http.Client{Timeout: 30 * time.Second}

var keySeq atomic.Int64

func newKey() string { return fmt.Sprintf("it-%d-%d", time.Now().UnixNano()%1e9, keySeq.Add(1)) }

func checkoutBody(offering, plan, pm string) map[string]any {
	return map[string]any{"offering": offering, "plan": plan, "billing_cycle": "monthly", "payment_method": pm, "accept_terms": true}
}

func buy(e *apptest.Env, u apptest.User, key string, body any) *apptest.Response {
	e.T.Helper()
	return e.Do(http.MethodPost, "/api/v1/checkout", body, u.Token, "Idempotency-Key: "+key)
}

func sandbox(t *testing.T, e *apptest.Env) *payments.Sandbox {
	t.Helper()
	sb, ok := e.Stack.Payments.(*payments.Sandbox)
	if !ok {
		t.Fatalf("payments provider is %T, want the sandbox", e.Stack.Payments)
	}
	return sb
}

type orderView struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	Steps        []struct {
		Name  string    `json:"name"`
		State string    `json:"state"`
		At    time.Time `json:"at"`
	} `json:"steps"`
}

type agentView struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason"`
	MCPURL       string `json:"mcp_url"`
}

func orders(e *apptest.Env, u apptest.User) []orderView {
	e.T.Helper()
	var l struct {
		Items []orderView `json:"items"`
	}
	e.Do(http.MethodGet, "/api/v1/orders", nil, u.Token).Must(e.T, http.StatusOK).JSON(e.T, &l)
	return l.Items
}

func agents(e *apptest.Env, u apptest.User) []agentView {
	e.T.Helper()
	var l struct {
		Items []agentView `json:"items"`
	}
	e.Do(http.MethodGet, "/api/v1/agents", nil, u.Token).Must(e.T, http.StatusOK).JSON(e.T, &l)
	return l.Items
}

func order(e *apptest.Env, u apptest.User, id string) orderView {
	e.T.Helper()
	var o orderView
	e.Do(http.MethodGet, "/api/v1/orders/"+id, nil, u.Token).Must(e.T, http.StatusOK).JSON(e.T, &o)
	return o
}

func agent(e *apptest.Env, u apptest.User, id string) agentView {
	e.T.Helper()
	var a agentView
	e.Do(http.MethodGet, "/api/v1/agents/"+id, nil, u.Token).Must(e.T, http.StatusOK).JSON(e.T, &a)
	return a
}

// waitOrder polls GET /orders/{id} until the order reaches state.
func waitOrder(e *apptest.Env, u apptest.User, id, state string) orderView {
	e.T.Helper()
	var o orderView
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if o = order(e, u, id); o.State == state {
			return o
		}
	}
	e.T.Fatalf("order %s is %q, want %q", id, o.State, state)
	return o
}

func testPaymentConfirmedAnswersThenAgentRuns(t *testing.T, e *apptest.Env) {
	u := e.Register("Tess")
	var p apptest.Purchase
	buy(e, u, newKey(), checkoutBody("support-agent", "Starter", "pm_card_visa")).Must(t, http.StatusCreated).JSON(t, &p)
	if p.Order.State != "executing" || p.Agent.Status != "provisioning" || p.Subscription.State != "pending" {
		t.Errorf("the answer at payment confirmed: order %q, agent %q, subscription %q; want executing, provisioning, pending",
			p.Order.State, p.Agent.Status, p.Subscription.State)
	}
	if p.Organization.Name != "Tess's Organization" || p.Project.Name != "Default" {
		t.Errorf("organization %q, project %q; want \"Tess's Organization\" and \"Default\"", p.Organization.Name, p.Project.Name)
	}
	e.WaitAgent(u, p.Agent.ID, "running")
	o := waitOrder(e, u, p.Order.ID, "done")
	var steps []string
	for _, s := range o.Steps {
		if s.At.IsZero() {
			t.Errorf("step %s %s has no time", s.Name, s.State)
		}
		steps = append(steps, s.Name+":"+s.State)
	}
	if want := []string{"organization:completed", "payment:started", "payment:completed", "provisioning:started", "provisioning:completed"}; !slices.Equal(steps, want) {
		t.Errorf("order steps %v, want %v in this order", steps, want)
	}
	if a := agent(e, u, p.Agent.ID); a.MCPURL == "" {
		t.Errorf("a running agent has no mcp_url: %+v", a)
	}
	if l := orders(e, u); len(l) != 1 || l[0].ID != p.Order.ID {
		t.Errorf("GET /orders = %+v, want the one order", l)
	}
	if l := agents(e, u); len(l) != 1 || l[0].ID != p.Agent.ID || l[0].Status != "running" {
		t.Errorf("GET /agents = %+v, want the one running agent", l)
	}
	// A second purchase, naming the offering by ID and the plan by name, goes into the
	// same organization and project.
	var off struct {
		ID string `json:"id"`
	}
	e.Do(http.MethodGet, "/api/v1/offerings/data-sync", nil, "").Must(t, http.StatusOK).JSON(t, &off)
	q := e.Checkout(u, off.ID, "pro")
	if q.Organization.ID != p.Organization.ID || q.Project.ID != p.Project.ID {
		t.Errorf("second checkout made organization %s/project %s, want the first's %s/%s", q.Organization.ID, q.Project.ID, p.Organization.ID, p.Project.ID)
	}
}

func testSameKeyTenTimesAtOnceIsOneOrderAndOneCharge(t *testing.T, e *apptest.Env) {
	u := e.Register("Dana")
	sb := sandbox(t, e)
	before := sb.Charges()
	key := newKey()
	body, _ := json.Marshal(checkoutBody("website-chatbot", "Pro", "pm_card_visa"))
	type answer struct {
		status int
		order  string
		err    error
	}
	answers := make([]answer, 10)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/v1/checkout", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+u.Token)
			req.Header.Set("Idempotency-Key", key)
			resp, err := httpc.Do(req)
			if err != nil {
				answers[i].err = err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var p apptest.Purchase
			_ = json.Unmarshal(b, &p)
			answers[i] = answer{status: resp.StatusCode, order: p.Order.ID}
			if resp.StatusCode != http.StatusCreated {
				answers[i].err = fmt.Errorf("%d %s", resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a.err != nil {
			t.Fatalf("request %d: %v", i, a.err)
		}
		if a.order != answers[0].order {
			t.Fatalf("request %d answered order %s, request 0 %s: one key must be one order", i, a.order, answers[0].order)
		}
	}
	if got := sb.Charges() - before; got != 1 {
		t.Errorf("10 identical requests made %d charges, want 1", got)
	}
	if l := orders(e, u); len(l) != 1 {
		t.Errorf("10 identical requests stored %d orders, want 1", len(l))
	}

	t.Run("RepeatAfterDoneAnswersTheSameOrder", func(t *testing.T) {
		e := on(e, t)
		waitOrder(e, u, answers[0].order, "done")
		var p apptest.Purchase
		buy(e, u, key, checkoutBody("website-chatbot", "Pro", "pm_card_visa")).Must(t, http.StatusCreated).JSON(t, &p)
		if p.Order.ID != answers[0].order || p.Order.State != "done" || p.Agent.Status != "running" {
			t.Errorf("repeat answered %+v, want order %s done with its agent running", p, answers[0].order)
		}
		if got := sb.Charges() - before; got != 1 {
			t.Errorf("charges = %d after the repeat, want 1", got)
		}
	})
	t.Run("SameKeyAnotherBodyIs409", func(t *testing.T) {
		e := on(e, t)
		r := buy(e, u, key, checkoutBody("website-chatbot", "Starter", "pm_card_visa")).Must(t, http.StatusConflict)
		if r.ErrorCode() != "idempotency_key_reused" {
			t.Errorf("code %q, want idempotency_key_reused: %s", r.ErrorCode(), r.Body)
		}
		if l := orders(e, u); len(l) != 1 {
			t.Errorf("a refused request stored an order: %d orders", len(l))
		}
	})
}

func testFirstCheckoutsAtOnceShareOneOrganization(t *testing.T, e *apptest.Env) {
	u := e.Register("Paz")
	body, _ := json.Marshal(checkoutBody("social-scheduler", "Starter", "pm_card_visa"))
	orgs := make([]string, 5)
	errs := make([]error, 5)
	var wg sync.WaitGroup
	for i := range orgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/v1/checkout", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+u.Token)
			req.Header.Set("Idempotency-Key", newKey())
			resp, err := httpc.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			var p apptest.Purchase
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusCreated {
				errs[i] = fmt.Errorf("status %d: %v", resp.StatusCode, err)
			}
			orgs[i] = p.Organization.ID
		}()
	}
	wg.Wait()
	for i := range orgs {
		if errs[i] != nil {
			t.Fatalf("checkout %d: %v", i, errs[i])
		}
		if orgs[i] != orgs[0] {
			t.Fatalf("concurrent first checkouts made organizations %v: a buyer gets one", orgs)
		}
	}
	if l := orders(e, u); len(l) != 5 {
		t.Errorf("5 keys stored %d orders, want 5", len(l))
	}
}

func testDeclinedCardIs402AndProvisionsNothing(t *testing.T, e *apptest.Env) {
	u := e.Register("Dee")
	sb := sandbox(t, e)
	before := sb.Charges()
	key := newKey()
	r := buy(e, u, key, checkoutBody("support-agent", "Pro", "pm_card_chargeDeclined")).Must(t, http.StatusPaymentRequired)
	if r.ErrorCode() != "card_declined" {
		t.Fatalf("code %q, want card_declined: %s", r.ErrorCode(), r.Body)
	}
	l := orders(e, u)
	if len(l) != 1 || l[0].State != "erred" || l[0].ErrorCode != "card_declined" {
		t.Fatalf("orders after a decline: %+v, want one erred with card_declined", l)
	}
	for _, a := range agents(e, u) {
		if a.Status != "failed" {
			t.Errorf("agent %s is %s after a decline, want failed", a.ID, a.Status)
		}
	}
	if got := sb.Charges() - before; got != 0 {
		t.Errorf("a decline made %d charges", got)
	}
	// The same request again is the same decline, not a second attempt.
	r = buy(e, u, key, checkoutBody("support-agent", "Pro", "pm_card_chargeDeclined")).Must(t, http.StatusPaymentRequired)
	if r.ErrorCode() != "card_declined" {
		t.Errorf("repeat: code %q, want card_declined", r.ErrorCode())
	}
	if l := orders(e, u); len(l) != 1 {
		t.Errorf("repeat of a declined checkout stored %d orders, want 1", len(l))
	}
}

func testInsufficientFundsIs402WithTheReason(t *testing.T, e *apptest.Env) {
	u := e.Register("Ivy")
	r := buy(e, u, newKey(), checkoutBody("hr-assistant", "Starter", "pm_card_chargeDeclinedInsufficientFunds")).Must(t, http.StatusPaymentRequired)
	if r.ErrorCode() != "insufficient_funds" {
		t.Fatalf("code %q, want insufficient_funds: %s", r.ErrorCode(), r.Body)
	}
}

func testBadRequestsAreRefusedAndStoreNothing(t *testing.T, e *apptest.Env) {
	u := e.Register("Bo")
	good := func() map[string]any { return checkoutBody("support-agent", "Starter", "pm_card_visa") }
	with := func(k string, v any) map[string]any { b := good(); b[k] = v; return b }
	for _, c := range []struct {
		name, key string
		body      any
		status    int
		code      string
	}{
		{"ErrIdempotencyKeyMissing", "", good(), http.StatusBadRequest, "invalid"},
		{"ErrIdempotencyKeyMalformed", "has spaces in it", good(), http.StatusBadRequest, "invalid"},
		{"ErrBodyNotJSON", newKey(), "{not json", http.StatusBadRequest, "invalid"},
		{"ErrOfferingMissing", newKey(), with("offering", ""), http.StatusBadRequest, "invalid"},
		{"ErrTermsNotAccepted", newKey(), with("accept_terms", false), http.StatusBadRequest, "invalid"},
		{"ErrBillingCycle", newKey(), with("billing_cycle", "weekly"), http.StatusBadRequest, "invalid"},
		{"ErrPaymentMethod", newKey(), with("payment_method", "4242424242424242"), http.StatusBadRequest, "invalid"},
		{"ErrUnknownOffering", newKey(), with("offering", "no-such-offering"), http.StatusNotFound, "not_found"},
		{"ErrUnknownPlan", newKey(), with("plan", "Platinum"), http.StatusNotFound, "not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := on(e, t)
			headers := []string{}
			if c.key != "" {
				headers = append(headers, "Idempotency-Key: "+c.key)
			}
			r := e.Do(http.MethodPost, "/api/v1/checkout", c.body, u.Token, headers...).Must(t, c.status)
			if r.ErrorCode() != c.code {
				t.Errorf("code %q, want %q: %s", r.ErrorCode(), c.code, r.Body)
			}
		})
	}
	t.Run("ErrSomeoneElsesOrganizationEvenWhenRepeated", func(t *testing.T) {
		e := on(e, t)
		owner := e.Register("Owen")
		p := e.Checkout(owner, "data-sync", "Starter")
		key := newKey()
		for i := range 2 {
			r := e.Do(http.MethodPost, "/api/v1/checkout", with("organization", p.Organization.ID), u.Token, "Idempotency-Key: "+key)
			if r.Status != http.StatusNotFound {
				t.Fatalf("attempt %d: %s, want 404", i+1, r)
			}
		}
	})
	t.Run("ErrAnonymous", func(t *testing.T) {
		r := on(e, t).Do(http.MethodPost, "/api/v1/checkout", good(), "", "Idempotency-Key: "+newKey()).Must(t, http.StatusUnauthorized)
		if r.ErrorCode() != "unauthorized" {
			t.Errorf("code %q, want unauthorized", r.ErrorCode())
		}
	})
	if l := orders(e, u); len(l) != 0 {
		t.Errorf("refused requests stored %d orders", len(l))
	}
	if l := agents(e, u); len(l) != 0 {
		t.Errorf("refused requests stored %d agents", len(l))
	}
}

func testSiteKitOutageDelaysTheOrderUntilItRecovers(t *testing.T, e *apptest.Env) {
	u := e.Register("Otto")
	e.Stack.SiteKit.SetAvailable(false)
	restored := false
	defer func() {
		if !restored {
			e.Stack.SiteKit.SetAvailable(true)
		}
	}()
	var p apptest.Purchase
	buy(e, u, newKey(), checkoutBody("meeting-notes", "Starter", "pm_card_visa")).Must(t, http.StatusCreated).JSON(t, &p)
	time.Sleep(1200 * time.Millisecond) // several provisioning attempts fail meanwhile
	if a := agent(e, u, p.Agent.ID); a.Status != "provisioning" {
		t.Fatalf("during the outage the agent is %q, want provisioning", a.Status)
	}
	if o := order(e, u, p.Order.ID); o.State != "executing" {
		t.Fatalf("during the outage the order is %q, want executing", o.State)
	}
	e.Stack.SiteKit.SetAvailable(true)
	restored = true
	e.WaitAgent(u, p.Agent.ID, "running")
	waitOrder(e, u, p.Order.ID, "done")
}

// brokenOffering lists a copy of support-agent whose package Site-Kit refuses.
func brokenOffering(t *testing.T, e *apptest.Env) string {
	t.Helper()
	ctx := context.Background()
	var o models.Offering
	if err := e.Stack.Store.WithContext(ctx).Preload("Plans").Take(&o, "slug = ?", "support-agent").Error; err != nil {
		t.Fatalf("load support-agent: %v", err)
	}
	o.ID, o.Slug, o.Name = models.NewID("off"), "broken-package-"+strings.ToLower(models.NewID("x")), "Broken Package Agent"
	o.PackageRef = "sitekit://broken@1.0" // not a semantic version: the runtime answers invalid_package
	for i := range o.Plans {
		o.Plans[i].ID, o.Plans[i].OfferingID = models.NewID("pln"), o.ID
	}
	if err := e.Stack.Store.WithContext(ctx).Create(&o).Error; err != nil {
		t.Fatalf("insert the broken offering: %v", err)
	}
	return o.Slug
}

func testRejectedPackageRefundsAndFailsTheOrder(t *testing.T, e *apptest.Env) {
	u := e.Register("Rae")
	slug := brokenOffering(t, e)
	sb := sandbox(t, e)
	refundsBefore := sb.Refunds()
	var p apptest.Purchase
	buy(e, u, newKey(), checkoutBody(slug, "Pro", "pm_card_visa")).Must(t, http.StatusCreated).JSON(t, &p)
	e.WaitAgent(u, p.Agent.ID, "failed")
	o := waitOrder(e, u, p.Order.ID, "erred")
	if o.ErrorCode != "provisioning_failed" || !strings.Contains(o.ErrorMessage, "Site-Kit refused") {
		t.Errorf("order error %q %q, want provisioning_failed with Site-Kit's reason", o.ErrorCode, o.ErrorMessage)
	}
	if a := agent(e, u, p.Agent.ID); !strings.Contains(a.StatusReason, "Site-Kit refused") {
		t.Errorf("agent status_reason %q, want Site-Kit's reason", a.StatusReason)
	}
	if got := sb.Refunds() - refundsBefore; got != 1 {
		t.Errorf("refunds = %d, want 1", got)
	}
	var ledger []models.LedgerEntry
	if err := e.Stack.Store.WithContext(context.Background()).Where("order_id = ?", p.Order.ID).Order("kind").Find(&ledger).Error; err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, l := range ledger {
		kinds = append(kinds, string(l.Kind))
	}
	if strings.Join(kinds, ",") != "charge,refund" {
		t.Errorf("ledger of the order: %v, want a charge and its refund", kinds)
	}
}

func testAnotherBuyerSeesNothingOfIt(t *testing.T, e *apptest.Env) {
	owner, other := e.Register("Olga"), e.Register("Mallory")
	p := e.Checkout(owner, "code-reviewer", "Starter")
	keyID, _ := e.CreateKey(owner, p.Agent.ID)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/orders/" + p.Order.ID},
		{http.MethodGet, "/api/v1/agents/" + p.Agent.ID},
		{http.MethodGet, "/api/v1/agents/" + p.Agent.ID + "/keys"},
		{http.MethodPost, "/api/v1/agents/" + p.Agent.ID + "/keys"},
		{http.MethodDelete, "/api/v1/agents/" + p.Agent.ID + "/keys/" + keyID},
		{http.MethodGet, "/api/v1/agents/" + p.Agent.ID + "/mcp"},
		{http.MethodGet, "/api/v1/orders?organization=" + p.Organization.ID},
		{http.MethodGet, "/api/v1/agents?organization=" + p.Organization.ID},
	} {
		var body any
		if c.method == http.MethodPost {
			body = map[string]string{"name": "stolen"}
		}
		r := e.Do(c.method, c.path, body, other.Token)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s as another buyer: %s, want 404", c.method, c.path, r)
		}
	}
	if l := orders(e, other); len(l) != 0 {
		t.Errorf("another buyer lists %d orders", len(l))
	}
	if l := agents(e, other); len(l) != 0 {
		t.Errorf("another buyer lists %d agents", len(l))
	}
	var keys struct {
		Items []struct {
			ID     string `json:"id"`
			Active bool   `json:"active"`
		} `json:"items"`
	}
	e.Do(http.MethodGet, "/api/v1/agents/"+p.Agent.ID+"/keys", nil, owner.Token).Must(t, http.StatusOK).JSON(t, &keys)
	if len(keys.Items) != 1 || !keys.Items[0].Active {
		t.Errorf("the owner's keys after the other buyer's attempts: %+v, want the one active key", keys.Items)
	}
}

func testTemporalListsTheCheckoutBySearchAttributes(t *testing.T, e *apptest.Env) {
	u := e.Register("Vic")
	p := e.Checkout(u, "invoice-automation", "Enterprise")
	waitOrder(e, u, p.Order.ID, "done")
	query := fmt.Sprintf("%s = %q AND %s = %q", workflows.SAOrderID, p.Order.ID, workflows.SAState, "done")
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := e.Stack.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: e.Config.TemporalNamespace, Query: query})
		if err != nil {
			t.Fatalf("ListWorkflow %s: %v", query, err)
		}
		if n := len(resp.GetExecutions()); n == 1 {
			ex := resp.GetExecutions()[0]
			if got, want := ex.GetExecution().GetWorkflowId(), workflows.CheckoutWorkflowID(u.ID, ""); !strings.HasPrefix(got, want) {
				t.Errorf("workflow ID %q, want it to start with %q", got, want)
			}
			fields := ex.GetSearchAttributes().GetIndexedFields()
			for _, name := range []string{workflows.SAOrganizationID, workflows.SAOfferingID, workflows.SAProviderID, workflows.SAAmount} {
				if _, ok := fields[name]; !ok {
					t.Errorf("search attribute %s missing; have %v", name, keys(fields))
				}
			}
			if ex.GetMemo().GetFields()["summary"] == nil {
				t.Errorf("no summary memo for the Temporal UI")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Temporal visibility has no checkout for %s", query)
		}
	}
}
