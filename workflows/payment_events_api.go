package workflows

// SignalPaymentEvent is the signal the Stripe webhook handler sends to the
// workflow that owns a payment (a subscription's billing, or a checkout) when
// Stripe reports an outcome asynchronously.
const SignalPaymentEvent = "payment-event"

// Payment event types carried by PaymentEvent.Type (Stripe's event names).
const (
	PaymentSucceeded = "payment_intent.succeeded"
	PaymentFailed    = "payment_intent.payment_failed"
	ChargeRefunded   = "charge.refunded"
)

// PaymentEvent is the payload of SignalPaymentEvent.
type PaymentEvent struct {
	EventID   string // Stripe event ID (de-duplicated before signalling)
	Type      string
	ObjectID  string // PaymentIntent or Charge ID
	Amount    int64
	Currency  string
	Code      string // decline code on failure
	InvoiceID string // from metadata, when the payment belongs to an invoice
	OrderID   string // from metadata, when the payment belongs to a checkout
}
