package activities

// Types of non-retryable application errors raised by activities and workflows;
// the API maps them to error codes.
const (
	ErrTypeDeclined     = "PaymentDeclined"
	ErrTypeInvalid      = "Invalid"
	ErrTypeConflict     = "Conflict"
	ErrTypeNotFound     = "NotFound"
	ErrTypeForbidden    = "Forbidden"
	ErrTypeProvisioning = "ProvisioningFailed"
)
