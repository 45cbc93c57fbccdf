package blob

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Local is a Store on the local filesystem, rooted at a directory. Each blob is
// one file holding a small JSON header (content type, size, digest) followed by
// the content, written to a temporary file and renamed into place, so a reader
// sees either the old blob or the new one, never a mix or a torn write.
type Local struct {
	root string
	// Now is the clock for UpdatedAt (tests may fix it); nil means time.Now.
	Now func() time.Time
}

// NewLocal returns a Store rooted at dir. Directories are created on first Put,
// so constructing one never fails and never touches the disk.
func NewLocal(dir string) *Local { return &Local{root: dir} }

// magic starts every blob file so a stray file is never served as a blob.
const magic = "CMPBLOB1\n"

// maxHeader bounds the JSON header a reader accepts.
const maxHeader = 4096

func (l *Local) path(key string) string {
	return filepath.Join(l.root, "objects", filepath.FromSlash(key))
}

func (l *Local) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, key, contentType string, r io.Reader) (Object, error) {
	if !ValidKey(key) {
		return Object{}, fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	tmpDir := filepath.Join(l.root, "tmp")
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return Object{}, fmt.Errorf("blob: %w", err)
	}
	// The content goes to a scratch file first: its size and digest belong in
	// the header, which precedes it in the final file.
	body, err := os.CreateTemp(tmpDir, "body-*")
	if err != nil {
		return Object{}, fmt.Errorf("blob: %w", err)
	}
	defer func() { body.Close(); os.Remove(body.Name()) }()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(body, h), ctxReader{ctx, r})
	if err != nil {
		return Object{}, fmt.Errorf("blob: write %s: %w", key, err)
	}
	obj := Object{Key: key, ContentType: contentType, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), UpdatedAt: l.now()}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return Object{}, fmt.Errorf("blob: %w", err)
	}
	if err := l.commit(key, obj, body); err != nil {
		return Object{}, err
	}
	return obj, nil
}

// commit writes header and content to a temporary file and renames it over key.
func (l *Local) commit(key string, obj Object, content io.Reader) error {
	dst := l.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	f, err := os.CreateTemp(filepath.Join(l.root, "tmp"), "blob-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after a successful rename
	hdr, _ := json.Marshal(obj)
	w := bufio.NewWriter(f)
	_, _ = w.WriteString(magic)
	_, _ = w.Write(hdr)
	_ = w.WriteByte('\n')
	_, err = io.Copy(w, content)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), dst)
	}
	if err != nil {
		return fmt.Errorf("blob: store %s: %w", key, err)
	}
	return nil
}

// Get implements Store. The reader also implements io.Seeker (over the content
// only), so HTTP handlers can serve ranges and conditional requests from it.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	if !ValidKey(key) {
		return nil, Object{}, fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	if err := ctx.Err(); err != nil {
		return nil, Object{}, err
	}
	f, err := os.Open(l.path(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, Object{}, ErrNotFound
		}
		return nil, Object{}, fmt.Errorf("blob: %w", err)
	}
	obj, off, err := readHeader(f)
	if err != nil {
		f.Close()
		if errors.Is(err, errIsDir) {
			return nil, Object{}, ErrNotFound
		}
		return nil, Object{}, fmt.Errorf("blob: read %s: %w", key, err)
	}
	return &reader{SectionReader: io.NewSectionReader(f, off, obj.Size), f: f}, obj, nil
}

// errIsDir is reported (as not found) when a key names a directory of other keys.
var errIsDir = errors.New("blob: key is a directory")

// readHeader parses the magic and JSON header and returns the content offset.
func readHeader(f *os.File) (Object, int64, error) {
	br := bufio.NewReaderSize(io.LimitReader(f, int64(len(magic))+maxHeader), 512)
	m := make([]byte, len(magic))
	if _, err := io.ReadFull(br, m); err != nil {
		if st, serr := f.Stat(); serr == nil && st.IsDir() {
			return Object{}, 0, errIsDir
		}
		return Object{}, 0, fmt.Errorf("short file: %w", err)
	}
	if string(m) != magic {
		return Object{}, 0, errors.New("not a blob file")
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return Object{}, 0, fmt.Errorf("header: %w", err)
	}
	var obj Object
	if err := json.Unmarshal(line, &obj); err != nil {
		return Object{}, 0, fmt.Errorf("header: %w", err)
	}
	return obj, int64(len(magic) + len(line)), nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := l.path(key)
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return nil // a prefix of other keys, not a blob
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// reader is a blob's content: seekable, closing the underlying file.
type reader struct {
	*io.SectionReader
	f *os.File
}

func (r *reader) Close() error { return r.f.Close() }

// ctxReader stops a long copy when the request is canceled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
