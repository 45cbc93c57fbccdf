package api

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/blob"
	"github.com/cmp-platform/cmp/internal/errs"
)

func (s *Server) routesBlobs(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/blobs/*key", doc{Summary: "A public file (offering logo, screenshot) with caching headers",
		Tag: "blobs", Produces: "application/octet-stream"}, s.serveBlob)
}

// serveBlob serves keys under blob.PublicPrefix to anyone. Everything else (a
// buyer's training documents) is never served here. ETag and Last-Modified make
// repeat views conditional requests; public keys embed the content digest, so
// browsers and CDNs may keep them for a day without asking.
func (s *Server) serveBlob(c *gin.Context) {
	key := strings.TrimPrefix(c.Param("key"), "/")
	if !blob.IsPublic(key) {
		fail(c, errs.New(errs.NotFound, "file not found"))
		return
	}
	rc, obj, err := s.Blobs.Get(c, key)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) || errors.Is(err, blob.ErrInvalidKey) {
			err = errs.New(errs.NotFound, "file not found")
		}
		fail(c, err)
		return
	}
	defer rc.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", obj.ContentType)
	h.Set("ETag", obj.ETag())
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if rs, ok := rc.(io.ReadSeeker); ok {
		// ServeContent answers If-None-Match / If-Modified-Since with 304 and serves ranges.
		http.ServeContent(c.Writer, c.Request, "", obj.UpdatedAt, rs)
		return
	}
	if match := c.GetHeader("If-None-Match"); match != "" && match == obj.ETag() {
		c.Status(http.StatusNotModified)
		return
	}
	c.DataFromReader(http.StatusOK, obj.Size, obj.ContentType, rc, nil)
}

// fileUpload is a file read from a multipart request: its bytes and sniffed type.
type fileUpload struct {
	Name        string
	ContentType string
	Data        []byte
}

// readFileUpload reads the multipart field into memory, at most maxBytes, and
// sniffs its type from the content (the client's Content-Type is not trusted).
// Missing, empty, too large or not-allowed files are coded 4xx errors; nothing
// is stored by this function.
func readFileUpload(c *gin.Context, field string, maxBytes int64, allowed []string) (fileUpload, error) {
	// Bound the whole body too, so a huge request is cut off while it streams.
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBytes+1<<20)
	fh, err := c.FormFile(field)
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return fileUpload{}, uploadTooLarge(maxBytes)
		case errors.Is(err, http.ErrNotMultipart), errors.Is(err, http.ErrMissingBoundary):
			return fileUpload{}, errs.New(errs.UnsupportedType, "send the file as multipart/form-data in field %q", field).WithReason("not_multipart")
		default:
			return fileUpload{}, errs.Field(field, "multipart field %q with a file is required", field).WithReason("file_missing")
		}
	}
	if fh.Size > maxBytes {
		return fileUpload{}, uploadTooLarge(maxBytes)
	}
	data, err := readUploadPart(fh, maxBytes)
	if err != nil {
		return fileUpload{}, err
	}
	if len(data) == 0 {
		return fileUpload{}, errs.Field(field, "the file is empty").WithReason("file_empty")
	}
	ct := http.DetectContentType(data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !slices.Contains(allowed, ct) {
		return fileUpload{}, errs.New(errs.UnsupportedType, "the file looks like %s; allowed: %s", ct, strings.Join(allowed, ", ")).
			WithReason("unsupported_file_type").WithDetails(map[string]any{"field": field, "detected": ct, "allowed": allowed})
	}
	return fileUpload{Name: fh.Filename, ContentType: ct, Data: data}, nil
}

func readUploadPart(fh *multipart.FileHeader, maxBytes int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, err
	}
	if n > maxBytes {
		return nil, uploadTooLarge(maxBytes)
	}
	return buf.Bytes(), nil
}

func uploadTooLarge(maxBytes int64) error {
	return errs.New(errs.TooLarge, "the file is larger than %d KiB", maxBytes>>10).WithReason("file_too_large").WithDetails(map[string]any{"max_bytes": maxBytes})
}
