// Package blob stores opaque files (offering logos and screenshots, training
// documents) behind a small interface, so the local filesystem used by
// `cmpd dev` can be swapped for object storage without touching callers.
//
// Keys are slash-separated paths of [A-Za-z0-9._-] segments, e.g.
// "public/offerings/off_123/logo-3f2a.png". By convention only keys under
// PublicPrefix are served anonymously by the API; everything else (a buyer's
// training documents) is private and read only by the code that wrote it.
package blob

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// PublicPrefix marks keys the API serves to anyone at GET /api/v1/blobs/{key}.
const PublicPrefix = "public/"

// MaxKeyLength bounds a key so it stays a portable file or object name.
const MaxKeyLength = 512

// Store saves, reads and deletes blobs by key.
type Store interface {
	// Put stores everything r yields under key, replacing what was there, and
	// reports what it stored. A failed Put leaves the previous blob intact.
	Put(ctx context.Context, key, contentType string, r io.Reader) (Object, error)
	// Get opens a blob; the caller closes the reader. A missing key is ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, Object, error)
	// Delete removes a blob; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Object describes a stored blob.
type Object struct {
	Key         string `json:"key"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// SHA256 is the hex digest of the content; ETag is derived from it.
	SHA256    string    `json:"sha256"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ETag is a strong HTTP entity tag for the content.
func (o Object) ETag() string { return `"` + o.SHA256 + `"` }

// Errors a Store returns; callers test them with errors.Is.
var (
	ErrNotFound   = errors.New("blob: not found")
	ErrInvalidKey = errors.New("blob: invalid key")
)

// ValidKey reports whether key is a well-formed blob key: 1..MaxKeyLength
// characters, segments of letters, digits, '.', '_' or '-' joined by '/', no
// empty, "." or ".." segment. Keys therefore never escape a store's root.
func ValidKey(key string) bool {
	if key == "" || len(key) > MaxKeyLength {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, r := range seg {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
			if !ok {
				return false
			}
		}
	}
	return true
}

// IsPublic reports whether key may be served anonymously.
func IsPublic(key string) bool { return strings.HasPrefix(key, PublicPrefix) && ValidKey(key) }
