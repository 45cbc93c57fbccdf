package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// anonymousCacheControl lets shared caches keep anonymous catalog answers for a
// second and then revalidate them (cheap: 304 with no body).
const anonymousCacheControl = "public, max-age=1, must-revalidate"

// Page cache bounds: an entry lives while the catalog version is unchanged, at
// most pageCacheTTL, or pageCacheTTLInexact when it was made while a write may
// have been pending behind the version (see models.Store.CatalogVersion); a full
// cache is emptied rather than managed.
const (
	pageCacheTTL        = time.Minute
	pageCacheTTLInexact = time.Second
	pageCacheEntries    = 4096
)

// cached serves anonymous catalog GETs: it answers from an in-process page cache
// keyed by URL and catalog version (every catalog write bumps the version through
// database triggers, so no write path can leave a stale page behind), adds an
// ETag (a hash of the body) and Cache-Control, and answers If-None-Match with 304.
// Signed-in answers may hold private offerings: they are never cached or shared.
func (s *Server) cached() gin.HandlerFunc {
	pc := &pageCache{entries: map[string]cachedPage{}}
	return func(c *gin.Context) {
		c.Header("Vary", "Authorization")
		if _, signedIn := currentUser(c); signedIn || c.Request.Method != http.MethodGet {
			c.Header("Cache-Control", "private, no-store")
			c.Next()
			return
		}
		key := c.Request.URL.RequestURI()
		version, exact, verr := s.Store.CatalogVersion(c)
		if verr == nil {
			if p, ok := pc.get(key, version); ok {
				c.Abort()
				p.write(c)
				return
			}
		}
		orig := c.Writer
		bw := &bufferedWriter{ResponseWriter: orig, status: http.StatusOK}
		c.Writer = bw
		c.Next()
		c.Writer = orig
		if bw.status != http.StatusOK {
			orig.WriteHeader(bw.status)
			_, _ = orig.Write(bw.buf.Bytes())
			return
		}
		sum := sha256.Sum256(bw.buf.Bytes())
		ttl := pageCacheTTL
		if !exact {
			ttl = pageCacheTTLInexact
		}
		p := cachedPage{version: version, expires: time.Now().Add(ttl), body: bw.buf.Bytes(), contentType: orig.Header().Get("Content-Type"),
			etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		if verr == nil {
			pc.put(key, p)
		}
		p.write(c)
	}
}

type pageCache struct {
	mu      sync.Mutex
	entries map[string]cachedPage
}

type cachedPage struct {
	version     int64
	expires     time.Time
	body        []byte
	etag        string
	contentType string
}

func (pc *pageCache) get(key string, version int64) (cachedPage, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	p, ok := pc.entries[key]
	return p, ok && p.version == version && time.Now().Before(p.expires)
}

func (pc *pageCache) put(key string, p cachedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if len(pc.entries) >= pageCacheEntries {
		clear(pc.entries)
	}
	pc.entries[key] = p
}

// write sends the page, or 304 when the client's If-None-Match has its ETag.
func (p cachedPage) write(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("ETag", p.etag)
	h.Set("Cache-Control", anonymousCacheControl)
	if etagMatches(c.GetHeader("If-None-Match"), p.etag) {
		h.Del("Content-Type")
		c.Writer.WriteHeader(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	h.Set("Content-Type", p.contentType)
	c.Writer.WriteHeader(http.StatusOK)
	_, _ = c.Writer.Write(p.body)
}

// etagMatches implements If-None-Match's weak comparison against one ETag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// bufferedWriter holds a response so its ETag can be computed before sending.
type bufferedWriter struct {
	gin.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (w *bufferedWriter) WriteHeader(code int)              { w.status = code }
func (w *bufferedWriter) WriteHeaderNow()                   {}
func (w *bufferedWriter) Status() int                       { return w.status }
func (w *bufferedWriter) Written() bool                     { return w.buf.Len() > 0 }
func (w *bufferedWriter) Size() int                         { return w.buf.Len() }
func (w *bufferedWriter) Write(b []byte) (int, error)       { return w.buf.Write(b) }
func (w *bufferedWriter) WriteString(s string) (int, error) { return w.buf.WriteString(s) }
