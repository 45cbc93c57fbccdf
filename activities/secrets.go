package activities

import "github.com/cmp-platform/cmp/internal/auth"

// newSecret draws a per-deployment heartbeat secret inside an activity, so it is
// recorded once in history by the activity result rather than drawn in workflow code.
func newSecret() string { return auth.NewSecret() }
