package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stripe/stripe-go/v76/webhook"
	"go.temporal.io/api/serviceerror"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// maxWebhookBody bounds an event body; Stripe's are a few kilobytes.
const maxWebhookBody = 256 << 10

// WebhookAck answers a verified event: what CMP did with it.
type WebhookAck struct {
	Received  bool   `json:"received"`
	EventID   string `json:"event_id"`
	State     string `json:"state"`
	Duplicate bool   `json:"duplicate"`
}

// WebhookEventDTO is a stored event as operators see it.
type WebhookEventDTO struct {
	ID          string     `json:"id"`
	Type        string     `json:"type"`
	State       string     `json:"state"`
	ObjectID    string     `json:"object_id"`
	Target      string     `json:"target"`
	Detail      string     `json:"detail"`
	Attempts    int64      `json:"attempts"`
	ReceivedAt  time.Time  `json:"received_at"`
	ProcessedAt *time.Time `json:"processed_at,omitempty"`
}

// WebhookEventList lists stored events.
type WebhookEventList struct {
	Items []WebhookEventDTO `json:"items"`
}

func (s *Server) routesWebhooks(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/webhooks/stripe", doc{Summary: "Stripe events (verified by Stripe-Signature, de-duplicated by event ID)",
		Tag: "money", Access: accessSigned, Response: WebhookAck{}, Headers: []string{"Stripe-Signature"}}, s.stripeWebhook)
	s.handle(r, http.MethodGet, "/admin/webhooks", doc{Summary: "Received payment events, e.g. ?state=unmatched for those no workflow claimed",
		Tag: "money", Access: accessOperator, Response: WebhookEventList{}, Query: []string{"state", "limit"}}, s.listWebhooks)
}

// stripeObject is the part of an event's data.object CMP reads: a PaymentIntent
// or a Charge.
type stripeObject struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Amount           int64             `json:"amount"`
	AmountRefunded   int64             `json:"amount_refunded"`
	Currency         string            `json:"currency"`
	PaymentIntent    string            `json:"payment_intent"`
	Metadata         map[string]string `json:"metadata"`
	LastPaymentError *struct {
		Code        string `json:"code"`
		DeclineCode string `json:"decline_code"`
	} `json:"last_payment_error"`
	Refunds *struct {
		Data []struct {
			ID     string `json:"id"`
			Amount int64  `json:"amount"`
			Status string `json:"status"`
		} `json:"data"`
	} `json:"refunds"`
}

// webhookOutcome is what processing an event did.
type webhookOutcome struct {
	state          models.WebhookState
	target, detail string
}

func (s *Server) stripeWebhook(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxWebhookBody+1))
	if err != nil {
		fail(c, errs.New(errs.Invalid, "could not read the event body"))
		return
	}
	if len(body) > maxWebhookBody {
		fail(c, errs.New(errs.TooLarge, "event body larger than %d bytes", maxWebhookBody))
		return
	}
	ev, err := webhook.ConstructEventWithOptions(body, c.GetHeader("Stripe-Signature"), s.Config.StripeWebhookKey,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		fail(c, signatureError(err))
		return
	}
	var obj stripeObject
	if ev.Data != nil && len(ev.Data.Raw) > 0 {
		if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
			fail(c, errs.New(errs.Invalid, "data.object is not a JSON object").WithReason("invalid_event"))
			return
		}
	}
	stored, todo, err := s.Store.ClaimWebhook(c, models.WebhookEvent{
		ID: ev.ID, Type: string(ev.Type), State: models.WebhookFailed, ObjectID: obj.ID, Payload: string(body),
		Attempts: 1, ReceivedAt: models.Now(),
	})
	if err != nil {
		fail(c, err)
		return
	}
	if !todo {
		c.JSON(http.StatusOK, WebhookAck{Received: true, EventID: ev.ID, State: string(stored.State), Duplicate: true})
		return
	}
	out, perr := s.processStripeEvent(c, ev.ID, string(ev.Type), obj)
	if perr != nil {
		// Stays failed: the non-2xx answer makes Stripe send it again.
		_ = s.Store.FinishWebhook(c, ev.ID, models.WebhookFailed, out.target, "processing failed; waiting for Stripe's retry")
		fail(c, errs.Wrap(errs.Unavailable, perr, "the event could not be processed; retry later"))
		return
	}
	if err := s.Store.FinishWebhook(c, ev.ID, out.state, out.target, out.detail); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, WebhookAck{Received: true, EventID: ev.ID, State: string(out.state)})
}

// signatureError explains why an event was refused, without saying more than
// an attacker needs: bad header, bad signature or too old.
func signatureError(err error) error {
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader):
		return errs.New(errs.Invalid, "missing or malformed Stripe-Signature header").WithReason("invalid_signature")
	case errors.Is(err, webhook.ErrTooOld):
		return errs.New(errs.Invalid, "the signature's timestamp is outside the tolerance window").WithReason("signature_expired")
	case errors.Is(err, webhook.ErrNoValidSignature):
		return errs.New(errs.Invalid, "the signature does not match the body").WithReason("invalid_signature")
	}
	return errs.New(errs.Invalid, "the event could not be verified").WithReason("invalid_signature")
}

// processStripeEvent routes a payment event to the workflow that owns it, or
// books a refund against the charge it refunds. An error means "retry".
func (s *Server) processStripeEvent(c *gin.Context, eventID, typ string, obj stripeObject) (webhookOutcome, error) {
	switch typ {
	case workflows.PaymentSucceeded, workflows.PaymentFailed:
		return s.paymentIntentEvent(c, eventID, typ, obj)
	case workflows.ChargeRefunded:
		return s.refundEvent(c, eventID, obj)
	}
	return webhookOutcome{state: models.WebhookIgnored, detail: "CMP does not act on " + typ}, nil
}

func (s *Server) paymentIntentEvent(c *gin.Context, eventID, typ string, obj stripeObject) (webhookOutcome, error) {
	md := obj.Metadata
	pe := workflows.PaymentEvent{EventID: eventID, Type: typ, ObjectID: obj.ID, Amount: obj.Amount, Currency: obj.Currency,
		InvoiceID: md["invoice_id"], OrderID: md["order_id"]}
	if obj.LastPaymentError != nil {
		pe.Code = obj.LastPaymentError.DeclineCode
		if pe.Code == "" {
			pe.Code = obj.LastPaymentError.Code
		}
	}
	if sub := md["subscription_id"]; sub != "" {
		return s.signalPayment(c, workflows.SubscriptionWorkflowID(sub), pe)
	}
	if pe.OrderID != "" {
		o, err := s.Store.OrderByChargeID(c, obj.ID)
		if errs.Is(err, errs.NotFound) {
			return webhookOutcome{state: models.WebhookUnmatched, target: pe.OrderID, detail: "no order with this payment"}, nil
		}
		if err != nil {
			return webhookOutcome{}, err
		}
		// The checkout booked the charge when it settled; the event confirms it.
		return webhookOutcome{state: models.WebhookProcessed, target: o.ID, detail: "checkout payment already booked"}, nil
	}
	return webhookOutcome{state: models.WebhookUnmatched, detail: "no subscription_id or order_id in metadata"}, nil
}

// signalPayment hands the event to a running workflow; a workflow that is not
// running leaves the event unmatched for an operator.
func (s *Server) signalPayment(c *gin.Context, workflowID string, pe workflows.PaymentEvent) (webhookOutcome, error) {
	err := s.Temporal.SignalWorkflow(c, workflowID, "", workflows.SignalPaymentEvent, pe)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return webhookOutcome{state: models.WebhookUnmatched, target: workflowID, detail: "workflow " + workflowID + " is not running"}, nil
	}
	if err != nil {
		return webhookOutcome{target: workflowID}, err
	}
	return webhookOutcome{state: models.WebhookProcessed, target: workflowID, detail: "signalled " + workflows.SignalPaymentEvent}, nil
}

// refundEvent books each refund of a charge once (keyed by the refund ID, the
// same key the checkout uses for its own refunds, so nothing is booked twice).
func (s *Server) refundEvent(c *gin.Context, eventID string, obj stripeObject) (webhookOutcome, error) {
	charge, err := s.Store.ChargeEntryByRef(c, obj.PaymentIntent, obj.ID)
	if errs.Is(err, errs.NotFound) {
		return webhookOutcome{state: models.WebhookUnmatched, detail: "no charge in the ledger for " + obj.ID}, nil
	}
	if err != nil {
		return webhookOutcome{}, err
	}
	var entries []models.LedgerEntry
	refund := func(ref, key string, amount int64) {
		e := charge
		e.ID, e.Kind, e.Amount, e.ExternalRef, e.DedupeKey = models.NewID("led"), models.LedgerRefund, amount, ref, key
		e.PayoutID, e.OccurredAt, e.CreatedAt = "", models.Now(), models.Now()
		entries = append(entries, e)
	}
	if obj.Refunds != nil && len(obj.Refunds.Data) > 0 {
		for _, r := range obj.Refunds.Data {
			if r.Status == "" || r.Status == "succeeded" || r.Status == "pending" {
				refund(r.ID, string(models.LedgerRefund)+":"+r.ID, r.Amount)
			}
		}
	} else {
		// Newer API versions omit the refund list: book the part of
		// amount_refunded not booked yet, keyed by the running total.
		done, err := s.Store.RefundedOf(c, charge)
		if err != nil {
			return webhookOutcome{}, err
		}
		if delta := obj.AmountRefunded - done; delta > 0 {
			refund(obj.ID, string(models.LedgerRefund)+":"+obj.ID+":"+eventID, delta)
		}
	}
	if err := s.Store.RecordLedger(c, entries...); err != nil {
		return webhookOutcome{}, err
	}
	target := charge.OrderID
	if charge.SubscriptionID != "" && charge.InvoiceID != "" {
		target = workflows.SubscriptionWorkflowID(charge.SubscriptionID)
		_, _ = s.signalPayment(c, target, workflows.PaymentEvent{EventID: eventID, Type: workflows.ChargeRefunded, ObjectID: obj.ID,
			Amount: obj.AmountRefunded, Currency: obj.Currency, InvoiceID: charge.InvoiceID})
	}
	return webhookOutcome{state: models.WebhookProcessed, target: target, detail: "refund booked against " + charge.ExternalRef}, nil
}

func (s *Server) listWebhooks(c *gin.Context) {
	state := c.Query("state")
	switch models.WebhookState(state) {
	case "", models.WebhookProcessed, models.WebhookUnmatched, models.WebhookIgnored, models.WebhookFailed:
	default:
		fail(c, errs.Field("state", "state must be processed, unmatched, ignored or failed"))
		return
	}
	limit, err := queryLimit(c, 100, 500)
	if err != nil {
		fail(c, err)
		return
	}
	evs, err := s.Store.ListWebhooks(c, state, limit)
	if err != nil {
		fail(c, err)
		return
	}
	out := WebhookEventList{Items: []WebhookEventDTO{}}
	for _, e := range evs {
		out.Items = append(out.Items, WebhookEventDTO{ID: e.ID, Type: e.Type, State: string(e.State), ObjectID: e.ObjectID,
			Target: e.Target, Detail: e.Detail, Attempts: e.Attempts, ReceivedAt: e.ReceivedAt, ProcessedAt: e.ProcessedAt})
	}
	c.JSON(http.StatusOK, out)
}
