package sitekit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// signatureVersion prefixes a signature so the scheme can change later
// without breaking receivers that understand only the old one.
const signatureVersion = "v1="

// Heartbeat verification failures, distinct so CMP can log why it refused.
var (
	ErrNoSecret          = errors.New("sitekit: heartbeat secret is empty")
	ErrMissingSignature  = errors.New("sitekit: heartbeat signature or timestamp header missing")
	ErrBadTimestamp      = errors.New("sitekit: heartbeat timestamp is malformed")
	ErrStaleTimestamp    = errors.New("sitekit: heartbeat timestamp outside tolerance")
	ErrSignatureMismatch = errors.New("sitekit: heartbeat signature does not match")
)

// SignHeartbeat returns the X-SiteKit-Signature value for body sent at unix
// time ts: "v1=" + hex(HMAC-SHA256(secret, ts + "." + body)). Signing the
// timestamp with the body stops a captured heartbeat being replayed later.
func SignHeartbeat(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return signatureVersion + hex.EncodeToString(mac.Sum(nil))
}

// VerifyHeartbeat checks a received heartbeat's headers against its raw
// body. It rejects an empty secret, missing headers, a timestamp further than
// tolerance from now, and a signature that does not match. The signature
// header may list several comma-separated values (during secret rotation);
// one match is enough.
func VerifyHeartbeat(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return ErrNoSecret
	}
	tsText, sigText := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if tsText == "" || sigText == "" {
		return ErrMissingSignature
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > tolerance || skew < -tolerance {
		return fmt.Errorf("%w: %s away", ErrStaleTimestamp, skew.Round(time.Second))
	}
	want := []byte(SignHeartbeat(secret, ts, body))
	for candidate := range strings.SplitSeq(sigText, ",") {
		if hmac.Equal([]byte(strings.TrimSpace(candidate)), want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}
