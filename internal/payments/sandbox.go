package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
)

// Sandbox is a Provider that moves no money and makes no network calls. Object
// IDs are derived from the idempotency key alone, so the same key yields the
// same ID even in a new process: an activity retried after a crash sees the
// charge it already made rather than a second one. It is safe for concurrent use.
type Sandbox struct {
	mu sync.Mutex
	// requests remembers each key's request and outcome, as Stripe does, to
	// replay it and to reject the key's reuse with different parameters.
	requests  map[string]sandboxRecord
	charges   map[string]*sandboxCharge
	refunds   int
	transfers int
}

type sandboxRecord struct {
	fingerprint string
	result      any
	err         error
}

type sandboxCharge struct {
	charge   Charge
	refunded int64
}

// Sandbox statuses, the words Stripe uses for the same outcomes.
const sandboxSucceeded = "succeeded"

// transferFailPrefix marks destinations the sandbox refuses, so payout tests
// can make one provider's payout fail on purpose.
const transferFailPrefix = "acct_fail"

var _ Provider = (*Sandbox)(nil)

// NewSandbox returns an empty Sandbox.
func NewSandbox() *Sandbox {
	return &Sandbox{requests: map[string]sandboxRecord{}, charges: map[string]*sandboxCharge{}}
}

// Name returns ProviderSandbox.
func (s *Sandbox) Name() string { return ProviderSandbox }

// Charge succeeds or declines according to Stripe's test PaymentMethod IDs.
func (s *Sandbox) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	if err := firstErr(ctx.Err(), req.validate()); err != nil {
		return Charge{}, err
	}
	decline, known := sandboxCards[req.PaymentMethod]
	if !known {
		return Charge{}, invalid(CodeUnknownPaymentMethod, "no such payment method: %q", req.PaymentMethod)
	}
	out, err := s.once("charge", req.IdempotencyKey, req, func() (any, error) {
		if decline != "" {
			return nil, &DeclineError{Code: decline, Message: declineMessages[decline]}
		}
		ch := Charge{ID: sandboxID("ch", req.IdempotencyKey), Status: sandboxSucceeded,
			AmountMinor: req.AmountMinor, Currency: req.Currency}
		s.charges[ch.ID] = &sandboxCharge{charge: ch}
		return ch, nil
	})
	if err != nil {
		return Charge{}, err
	}
	return out.(Charge), nil
}

// Refund succeeds unless it would take more back than a charge this process
// made. A charge it has not seen (made before a restart) is refunded on trust.
func (s *Sandbox) Refund(ctx context.Context, req RefundRequest) (Refund, error) {
	if err := firstErr(ctx.Err(), req.validate()); err != nil {
		return Refund{}, err
	}
	out, err := s.once("refund", req.IdempotencyKey, req, func() (any, error) {
		if ch, ok := s.charges[req.ChargeID]; ok {
			left := ch.charge.AmountMinor - ch.refunded
			if req.AmountMinor > left {
				return nil, invalid(CodeAmountTooLarge, "refund of %d exceeds the %d left on charge %s",
					req.AmountMinor, left, req.ChargeID)
			}
			ch.refunded += req.AmountMinor
		}
		s.refunds++
		return Refund{ID: sandboxID("re", req.IdempotencyKey), ChargeID: req.ChargeID,
			AmountMinor: req.AmountMinor, Status: sandboxSucceeded}, nil
	})
	if err != nil {
		return Refund{}, err
	}
	return out.(Refund), nil
}

// Transfer pays out to any destination except those starting with "acct_fail",
// which fail with a TransferError.
func (s *Sandbox) Transfer(ctx context.Context, req TransferRequest) (Transfer, error) {
	if err := firstErr(ctx.Err(), req.validate()); err != nil {
		return Transfer{}, err
	}
	out, err := s.once("transfer", req.IdempotencyKey, req, func() (any, error) {
		if strings.HasPrefix(req.Destination, transferFailPrefix) {
			return nil, &TransferError{Code: CodeAccountInvalid,
				Message: "sandbox destination " + req.Destination + " cannot receive transfers"}
		}
		s.transfers++
		return Transfer{ID: sandboxID("tr", req.IdempotencyKey), Destination: req.Destination,
			AmountMinor: req.AmountMinor, Currency: req.Currency, Status: TransferStatusPaid}, nil
	})
	if err != nil {
		return Transfer{}, err
	}
	return out.(Transfer), nil
}

// CreateConnectAccount returns an account whose onboarding URL is ReturnURL
// itself: in the sandbox there is nothing to fill in, so onboarding ends at once.
func (s *Sandbox) CreateConnectAccount(ctx context.Context, req ConnectAccountRequest) (ConnectAccount, error) {
	if err := firstErr(ctx.Err(), req.validate()); err != nil {
		return ConnectAccount{}, err
	}
	ret, err := url.Parse(req.ReturnURL)
	if err != nil || !ret.IsAbs() {
		return ConnectAccount{}, invalid(CodeParameterInvalid, "return URL must be absolute, got %q", req.ReturnURL)
	}
	out, err := s.once("account", req.IdempotencyKey, req, func() (any, error) {
		id := sandboxID("acct", req.IdempotencyKey)
		q := ret.Query()
		q.Set("sandbox_account", id)
		ret.RawQuery = q.Encode()
		return ConnectAccount{ID: id, OnboardingURL: ret.String()}, nil
	})
	if err != nil {
		return ConnectAccount{}, err
	}
	return out.(ConnectAccount), nil
}

// Charges returns how many distinct charges succeeded; a replayed key counts once.
func (s *Sandbox) Charges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.charges)
}

// Refunds returns how many distinct refunds succeeded.
func (s *Sandbox) Refunds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refunds
}

// Transfers returns how many distinct transfers succeeded.
func (s *Sandbox) Transfers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transfers
}

// ChargeByID returns a charge this Sandbox made.
func (s *Sandbox) ChargeByID(id string) (Charge, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.charges[id]
	if !ok {
		return Charge{}, false
	}
	return ch.charge, true
}

// once runs do at most once per idempotency key and replays its outcome, errors
// included, as Stripe does. A key reused for a different request, on any
// operation, is an idempotency_mismatch. Invalid requests are not remembered,
// again as Stripe does, so a corrected request may reuse the key. do runs under
// the lock, which keeps check-and-update steps such as the refund limit atomic.
func (s *Sandbox) once(op, key string, req any, do func() (any, error)) (any, error) {
	fp := fingerprint(op, req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.requests[key]; ok {
		if rec.fingerprint != fp {
			return nil, invalid(CodeIdempotencyMismatch,
				"idempotency key %q was already used with different parameters", key)
		}
		return rec.result, rec.err
	}
	out, err := do()
	var inv *InvalidRequestError
	if errors.As(err, &inv) {
		return nil, err
	}
	s.requests[key] = sandboxRecord{fingerprint: fp, result: out, err: err}
	return out, err
}

// fingerprint identifies a request by its operation and every parameter; fmt
// prints map keys sorted, so equal requests give equal fingerprints.
func fingerprint(op string, req any) string {
	return fmt.Sprintf("%s:%#v", op, req)
}

// sandboxID derives an object ID from the idempotency key, so it survives restarts.
func sandboxID(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	return prefix + "_sandbox_" + hex.EncodeToString(sum[:])[:24]
}
