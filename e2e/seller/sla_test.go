package seller_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/models"
)

// TestSeller_ReviewPastSLARemindsThenEscalates runs with CMP_APPROVAL_SLA at
// 300ms: the durable timer records a reminder, then escalations, until decided.
func TestSeller_ReviewPastSLARemindsThenEscalates(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoSeed: true, Configure: func(c *config.Config) { c.ApprovalSLA = 300 * time.Millisecond }})
	c := &client{Env: e}
	seller := c.provider("Sia")
	o := c.newOffering(seller.Token, uniqueWord())
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got struct {
			Review struct {
				Reminders int `json:"reminders"`
			} `json:"review"`
		}
		c.do(http.MethodGet, "/api/v1/provider/offerings/"+o.ID, nil, seller.Token).Must(t, http.StatusOK).JSON(t, &got)
		if got.Review.Reminders >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reminder and escalation after the SLA: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	events, err := e.Stack.Store.ListingReviewEvents(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, ev := range events {
		if ev.Kind == models.ListingEventReminder {
			notes = append(notes, ev.Note)
		}
	}
	if len(notes) < 2 || notes[0] != "no decision after 300ms: reminder" || notes[1] != "no decision after 600ms: escalation 1" {
		t.Fatalf("reminder notes %q", notes)
	}

	// Recording a step again under the same idempotency key (an activity retry)
	// changes nothing.
	before, _ := e.Stack.Store.ListingReviewOf(context.Background(), o.ID)
	step := models.ListingReviewStep{OfferingID: o.ID, Round: 1, Kind: models.ListingEventReminder, DedupeKey: events[len(events)-1].DedupeKey, At: time.Now()}
	if err := e.Stack.Store.RecordListingReviewStep(context.Background(), step); err != nil {
		t.Fatal(err)
	}
	after, _ := e.Stack.Store.ListingReviewOf(context.Background(), o.ID)
	if after.Reminders > before.Reminders+1 || len(mustEvents(t, e, o.ID)) > len(events)+1 {
		t.Fatal("a repeated step was applied twice")
	}

	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, c.operator().Token).Must(t, http.StatusOK)
}

func mustEvents(t *testing.T, e *apptest.Env, id string) []models.ListingReviewEvent {
	t.Helper()
	ev, err := e.Stack.Store.ListingReviewEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
