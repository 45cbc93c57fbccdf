package api

import (
	"fmt"
	"strings"
)

// formatMoney renders minor units for humans (memos, CSV), e.g. "49.00 USD".
func formatMoney(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, strings.ToUpper(currency))
}
