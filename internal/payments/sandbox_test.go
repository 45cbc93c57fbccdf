package payments

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func chargeReq(key, pm string, amount int64) ChargeRequest {
	return ChargeRequest{IdempotencyKey: key, AmountMinor: amount, Currency: "usd", PaymentMethod: pm,
		CustomerEmail: "buyer@example.com", Description: "agent purchase", Metadata: map[string]string{"order_id": "ord_1"}}
}

func TestSandbox_TestCardsSucceed(t *testing.T) {
	for _, pm := range []string{"pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_us"} {
		t.Run(pm, func(t *testing.T) {
			sb := NewSandbox()
			ch, err := sb.Charge(context.Background(), chargeReq("order-"+pm, pm, 2500))
			require.NoError(t, err)
			assert.Equal(t, "succeeded", ch.Status)
			assert.Equal(t, int64(2500), ch.AmountMinor)
			assert.Equal(t, "usd", ch.Currency)
			assert.Regexp(t, regexp.MustCompile(`^ch_sandbox_[0-9a-f]{24}$`), ch.ID)
			got, ok := sb.ChargeByID(ch.ID)
			require.True(t, ok)
			assert.Equal(t, ch, got)
			assert.Equal(t, 1, sb.Charges())
		})
	}
}

func TestSandbox_DeclineCardsFailWithTheirDeclineCode(t *testing.T) {
	cases := map[string]string{
		"pm_card_chargeDeclined":                  "card_declined",
		"pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
		"pm_card_chargeDeclinedExpiredCard":       "expired_card",
		"pm_card_chargeDeclinedIncorrectCvc":      "incorrect_cvc",
		"pm_card_chargeDeclinedProcessingError":   "processing_error",
	}
	for pm, code := range cases {
		t.Run(pm, func(t *testing.T) {
			sb := NewSandbox()
			req := chargeReq("order-"+pm, pm, 2500)
			_, err := sb.Charge(context.Background(), req)
			d, ok := IsDecline(err)
			require.True(t, ok, "want a DeclineError, got %v", err)
			assert.Equal(t, code, d.Code)
			assert.NotEmpty(t, d.Message)
			_, invalid := IsInvalid(err)
			assert.False(t, invalid)
			assert.Zero(t, sb.Charges())

			// A retried activity gets the same decline back, not a new attempt.
			_, again := sb.Charge(context.Background(), req)
			assert.Equal(t, err, again)
		})
	}
}

func TestSandbox_UnknownPaymentMethodIsInvalid(t *testing.T) {
	_, err := NewSandbox().Charge(context.Background(), chargeReq("order-1", "pm_card_doesNotExist", 2500))
	e, ok := IsInvalid(err)
	require.True(t, ok, "want an InvalidRequestError, got %v", err)
	assert.Equal(t, CodeUnknownPaymentMethod, e.Code)
}

func TestSandbox_BadInputIsInvalid(t *testing.T) {
	cases := []struct {
		name string
		req  ChargeRequest
		code string
	}{
		{"ErrIdempotencyKeyMissing", chargeReq("", "pm_card_visa", 100), CodeIdempotencyKeyMissing},
		{"ErrAmountZero", chargeReq("k", "pm_card_visa", 0), CodeAmountInvalid},
		{"ErrAmountNegative", chargeReq("k", "pm_card_visa", -5), CodeAmountInvalid},
		{"ErrPaymentMethodMissing", chargeReq("k", "", 100), CodeParameterMissing},
		{"ErrCurrencyUpperCase", func() ChargeRequest { r := chargeReq("k", "pm_card_visa", 100); r.Currency = "USD"; return r }(), CodeParameterInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSandbox().Charge(context.Background(), tc.req)
			e, ok := IsInvalid(err)
			require.True(t, ok, "want an InvalidRequestError, got %v", err)
			assert.Equal(t, tc.code, e.Code)
		})
	}
}

func TestSandbox_SameKeyGivesSameObjectsAfterRestart(t *testing.T) {
	ctx := context.Background()
	before, after := NewSandbox(), NewSandbox() // after plays the restarted process
	ch1, err := before.Charge(ctx, chargeReq("order-42", "pm_card_visa", 900))
	require.NoError(t, err)
	ch2, err := after.Charge(ctx, chargeReq("order-42", "pm_card_visa", 900))
	require.NoError(t, err)
	assert.Equal(t, ch1, ch2)

	tr := TransferRequest{IdempotencyKey: "payout-7", Destination: "acct_123", AmountMinor: 700, Currency: "usd"}
	tr1, err := before.Transfer(ctx, tr)
	require.NoError(t, err)
	tr2, err := after.Transfer(ctx, tr)
	require.NoError(t, err)
	assert.Equal(t, tr1, tr2)
	assert.Regexp(t, regexp.MustCompile(`^tr_sandbox_[0-9a-f]{24}$`), tr1.ID)

	other, err := after.Charge(ctx, chargeReq("order-43", "pm_card_visa", 900))
	require.NoError(t, err)
	assert.NotEqual(t, ch1.ID, other.ID)
}

func TestSandbox_RepeatedKeyChargesOnce(t *testing.T) {
	sb := NewSandbox()
	first, err := sb.Charge(context.Background(), chargeReq("order-1", "pm_card_visa", 1000))
	require.NoError(t, err)
	again, err := sb.Charge(context.Background(), chargeReq("order-1", "pm_card_visa", 1000))
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Equal(t, 1, sb.Charges())
}

func TestSandbox_ConcurrentRetriesChargeOnce(t *testing.T) {
	sb := NewSandbox()
	ids := make([]string, 32)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			ch, err := sb.Charge(context.Background(), chargeReq("order-1", "pm_card_visa", 1000))
			assert.NoError(t, err)
			ids[i] = ch.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	assert.Equal(t, 1, sb.Charges())
}

func TestSandbox_KeyReusedWithOtherParametersIsIdempotencyMismatch(t *testing.T) {
	ctx := context.Background()
	sb := NewSandbox()
	_, err := sb.Charge(ctx, chargeReq("order-1", "pm_card_visa", 1000))
	require.NoError(t, err)

	changed := map[string]ChargeRequest{
		"Amount":        chargeReq("order-1", "pm_card_visa", 1001),
		"PaymentMethod": chargeReq("order-1", "pm_card_mastercard", 1000),
		"Metadata": func() ChargeRequest {
			r := chargeReq("order-1", "pm_card_visa", 1000)
			r.Metadata = map[string]string{"order_id": "ord_2"}
			return r
		}(),
	}
	for name, req := range changed {
		t.Run(name, func(t *testing.T) {
			_, err := sb.Charge(ctx, req)
			e, ok := IsInvalid(err)
			require.True(t, ok, "want an InvalidRequestError, got %v", err)
			assert.Equal(t, CodeIdempotencyMismatch, e.Code)
		})
	}
	t.Run("OtherOperation", func(t *testing.T) {
		_, err := sb.Refund(ctx, RefundRequest{IdempotencyKey: "order-1", ChargeID: "ch_x", AmountMinor: 1})
		e, ok := IsInvalid(err)
		require.True(t, ok, "want an InvalidRequestError, got %v", err)
		assert.Equal(t, CodeIdempotencyMismatch, e.Code)
	})
	assert.Equal(t, 1, sb.Charges())
}

func TestSandbox_RefundsCannotExceedTheCharge(t *testing.T) {
	ctx := context.Background()
	sb := NewSandbox()
	ch, err := sb.Charge(ctx, chargeReq("order-1", "pm_card_visa", 1000))
	require.NoError(t, err)
	refund := func(key string, amount int64) (Refund, error) {
		return sb.Refund(ctx, RefundRequest{IdempotencyKey: key, ChargeID: ch.ID, AmountMinor: amount, Reason: "requested_by_customer"})
	}

	r1, err := refund("refund-1", 600)
	require.NoError(t, err)
	assert.Equal(t, Refund{ID: r1.ID, ChargeID: ch.ID, AmountMinor: 600, Status: "succeeded"}, r1)
	assert.Regexp(t, regexp.MustCompile(`^re_sandbox_[0-9a-f]{24}$`), r1.ID)

	_, err = refund("refund-2", 500)
	e, ok := IsInvalid(err)
	require.True(t, ok, "want an InvalidRequestError, got %v", err)
	assert.Equal(t, CodeAmountTooLarge, e.Code)

	// A retry of the first refund is a replay, not a second 600.
	again, err := refund("refund-1", 600)
	require.NoError(t, err)
	assert.Equal(t, r1, again)

	// The refused key was not remembered, so the corrected request may use it.
	_, err = refund("refund-2", 400)
	require.NoError(t, err)
	_, err = refund("refund-3", 1)
	_, ok = IsInvalid(err)
	assert.True(t, ok, "the charge is fully refunded, got %v", err)
	assert.Equal(t, 2, sb.Refunds())
}

func TestSandbox_RefundOfChargeFromBeforeRestartIsTrusted(t *testing.T) {
	ctx := context.Background()
	ch, err := NewSandbox().Charge(ctx, chargeReq("order-1", "pm_card_visa", 1000))
	require.NoError(t, err)
	r, err := NewSandbox().Refund(ctx, RefundRequest{IdempotencyKey: "refund-1", ChargeID: ch.ID, AmountMinor: 1000})
	require.NoError(t, err)
	assert.Equal(t, ch.ID, r.ChargeID)
}

func TestSandbox_TransferToFailingAccountFailsThatPayoutOnly(t *testing.T) {
	ctx := context.Background()
	sb := NewSandbox()
	payout := func(key, dest string) (Transfer, error) {
		return sb.Transfer(ctx, TransferRequest{IdempotencyKey: key, Destination: dest, AmountMinor: 800, Currency: "usd"})
	}

	_, err := payout("payout-1", "acct_fail_closed")
	te, ok := IsTransferFailure(err)
	require.True(t, ok, "want a TransferError, got %v", err)
	assert.Equal(t, CodeAccountInvalid, te.Code)
	_, decline := IsDecline(err)
	_, invalid := IsInvalid(err)
	assert.False(t, decline || invalid, "a refused destination is neither a decline nor bad input")

	tr, err := payout("payout-2", "acct_ok")
	require.NoError(t, err)
	assert.Equal(t, Transfer{ID: tr.ID, Destination: "acct_ok", AmountMinor: 800, Currency: "usd", Status: "paid"}, tr)
	assert.Equal(t, 1, sb.Transfers())
}

func TestSandbox_ConnectAccountOnboardsOnTheReturnURL(t *testing.T) {
	ctx := context.Background()
	req := ConnectAccountRequest{IdempotencyKey: "provider-9", Email: "dev@example.com", Country: "US",
		ReturnURL: "https://cmp.example/payouts/done?p=9", RefreshURL: "https://cmp.example/payouts/refresh"}
	acct, err := NewSandbox().CreateConnectAccount(ctx, req)
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^acct_sandbox_[0-9a-f]{24}$`), acct.ID)

	u, err := url.Parse(acct.OnboardingURL)
	require.NoError(t, err)
	assert.Equal(t, "cmp.example", u.Host)
	assert.Equal(t, "/payouts/done", u.Path)
	assert.Equal(t, "9", u.Query().Get("p"))
	assert.Equal(t, acct.ID, u.Query().Get("sandbox_account"))

	again, err := NewSandbox().CreateConnectAccount(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, acct, again)

	req.ReturnURL = "not a url"
	_, err = NewSandbox().CreateConnectAccount(ctx, req)
	_, ok := IsInvalid(err)
	assert.True(t, ok, "want an InvalidRequestError, got %v", err)
}

func TestIsDecline_FindsWrappedErrors(t *testing.T) {
	err := fmt.Errorf("charge order 1: %w", &DeclineError{Code: DeclineCardDeclined, Message: "no"})
	d, ok := IsDecline(err)
	require.True(t, ok)
	assert.Equal(t, DeclineCardDeclined, d.Code)
	_, ok = IsInvalid(err)
	assert.False(t, ok)
	_, ok = IsDecline(nil)
	assert.False(t, ok)
}
