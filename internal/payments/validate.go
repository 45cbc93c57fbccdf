package payments

import "regexp"

// Both providers validate before doing anything, so a bad request fails the
// same way, with the same code, in development (sandbox) and production (Stripe),
// and never reaches the network.

// maxIdempotencyKeyLen is Stripe's limit; stripe-go refuses longer keys with an
// untyped error, which would look retryable.
const maxIdempotencyKeyLen = 255

var currencyRE = regexp.MustCompile(`^[a-z]{3}$`)

func checkKey(key string) error {
	switch {
	case key == "":
		return invalid(CodeIdempotencyKeyMissing, "an idempotency key is required")
	case len(key) > maxIdempotencyKeyLen:
		return invalid(CodeParameterInvalid, "idempotency key longer than %d characters", maxIdempotencyKeyLen)
	}
	return nil
}

func checkAmount(amount int64) error {
	if amount <= 0 {
		return invalid(CodeAmountInvalid, "amount must be positive, got %d", amount)
	}
	return nil
}

func checkCurrency(currency string) error {
	if !currencyRE.MatchString(currency) {
		return invalid(CodeParameterInvalid, "currency must be a lower-case ISO code such as \"usd\", got %q", currency)
	}
	return nil
}

func required(name, value string) error {
	if value == "" {
		return invalid(CodeParameterMissing, "%s is required", name)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (r ChargeRequest) validate() error {
	return firstErr(checkKey(r.IdempotencyKey), checkAmount(r.AmountMinor),
		checkCurrency(r.Currency), required("payment method", r.PaymentMethod))
}

func (r RefundRequest) validate() error {
	return firstErr(checkKey(r.IdempotencyKey), required("charge ID", r.ChargeID),
		checkAmount(r.AmountMinor))
}

func (r TransferRequest) validate() error {
	return firstErr(checkKey(r.IdempotencyKey), required("destination", r.Destination),
		checkAmount(r.AmountMinor), checkCurrency(r.Currency))
}

func (r ConnectAccountRequest) validate() error {
	return firstErr(checkKey(r.IdempotencyKey), required("return URL", r.ReturnURL),
		required("refresh URL", r.RefreshURL))
}
