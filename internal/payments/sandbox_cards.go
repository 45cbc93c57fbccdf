package payments

// sandboxCards maps Stripe's test PaymentMethod IDs to the outcome Stripe's test
// mode gives them, so code written against the sandbox behaves the same when
// pointed at Stripe in test mode. The value is the decline code; "" succeeds.
// IDs not listed here are unknown, as they would be to Stripe.
var sandboxCards = map[string]string{
	// Brands and countries that succeed.
	"pm_card_visa":               "",
	"pm_card_visa_debit":         "",
	"pm_card_mastercard":         "",
	"pm_card_mastercard_debit":   "",
	"pm_card_mastercard_prepaid": "",
	"pm_card_amex":               "",
	"pm_card_discover":           "",
	"pm_card_diners":             "",
	"pm_card_jcb":                "",
	"pm_card_unionpay":           "",
	"pm_card_us":                 "",
	"pm_card_ca":                 "",
	"pm_card_gb":                 "",
	"pm_card_de":                 "",
	"pm_card_fr":                 "",
	"pm_card_au":                 "",
	"pm_card_jp":                 "",

	// Declines.
	"pm_card_chargeDeclined":                       DeclineCardDeclined,
	"pm_card_visa_chargeDeclined":                  DeclineCardDeclined,
	"pm_card_chargeDeclinedInsufficientFunds":      DeclineInsufficientFunds,
	"pm_card_visa_chargeDeclinedInsufficientFunds": DeclineInsufficientFunds,
	"pm_card_chargeDeclinedExpiredCard":            DeclineExpiredCard,
	"pm_card_chargeDeclinedIncorrectCvc":           DeclineIncorrectCVC,
	"pm_card_chargeDeclinedProcessingError":        DeclineProcessingError,
	"pm_card_visa_chargeDeclinedLostCard":          DeclineLostCard,
	"pm_card_visa_chargeDeclinedStolenCard":        DeclineStolenCard,
}

// declineMessages are the texts Stripe shows for each decline, close enough that
// a UI built on the sandbox reads right against Stripe.
var declineMessages = map[string]string{
	DeclineCardDeclined:      "Your card was declined.",
	DeclineInsufficientFunds: "Your card has insufficient funds.",
	DeclineExpiredCard:       "Your card has expired.",
	DeclineIncorrectCVC:      "Your card's security code is incorrect.",
	DeclineProcessingError:   "An error occurred while processing your card. Try again in a little bit.",
	DeclineLostCard:          "Your card was declined.",
	DeclineStolenCard:        "Your card was declined.",
}
