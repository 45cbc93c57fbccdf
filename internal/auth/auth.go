// Package auth holds CMP's credential primitives: password hashing, sign-in tokens
// and agent API keys. Secrets are shown once and stored only as hashes.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password accepted at registration.
const MinPasswordLength = 8

// bcryptCost balances sign-in latency (~50 ms on this class of machine) against
// offline guessing; bcrypt's default of 10 is the widely used floor.
const bcryptCost = 10

// HashPassword returns a bcrypt hash of password.
func HashPassword(password string) (string, error) {
	if len(password) > 72 {
		return "", errors.New("password longer than 72 bytes")
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	return string(b), err
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHash lets sign-in spend the same time for unknown emails as for wrong passwords.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("timing-equaliser"), bcryptCost)

// BurnPasswordCheck spends one bcrypt comparison so a miss is not faster than a hit.
func BurnPasswordCheck(password string) {
	_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
}

// HashToken is the at-rest form of a high-entropy secret (session token, API key):
// SHA-256 suffices because the secret has 192+ bits of entropy.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// EqualHash compares two hex hashes in constant time.
func EqualHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString(b), "=")
}

// NewSessionToken returns a fresh sign-in token.
func NewSessionToken() string { return "cmp_st_" + randomString(32) }

// NewSecret returns a random secret for HMAC signing (heartbeats, webhooks).
func NewSecret() string { return randomString(32) }

// APIKey is a newly minted key: Full is shown once; Prefix and Hash are stored.
type APIKey struct {
	Full, Prefix, Hash string
}

// NewAPIKey mints an agent API key. kind is "sk" for secret keys and "pk" for
// publishable widget keys. The prefix identifies the key in listings without
// revealing it.
func NewAPIKey(kind string) APIKey {
	id := randomString(6)
	secret := randomString(24)
	full := "cmp_" + kind + "_" + id + "_" + secret
	return APIKey{Full: full, Prefix: "cmp_" + kind + "_" + id, Hash: HashToken(full)}
}
