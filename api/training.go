package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// Training limits: one document's size, the knowledge text pushed to Site-Kit
// in one document (the runtime takes bodies up to 8 MiB), and Q&A pairs.
const (
	maxDocumentBytes  = 2 << 20
	maxKnowledgeBytes = 6 << 20
	maxQAPairs        = 5000
	maxTopics         = 100
)

// QARequest adds a trained question and answer.
type QARequest struct {
	Question string `json:"question" binding:"required"`
	Answer   string `json:"answer" binding:"required"`
	Topic    string `json:"topic"`
}

// QAPatch edits a pair; absent fields stay as they are.
type QAPatch struct {
	Question *string `json:"question"`
	Answer   *string `json:"answer"`
	Topic    *string `json:"topic"`
}

// QADTO is a trained pair with its sync state.
type QADTO struct {
	ID        string    `json:"id"`
	Question  string    `json:"question"`
	Answer    string    `json:"answer"`
	Topic     string    `json:"topic,omitempty"`
	Version   int64     `json:"version"`
	Sync      SyncDTO   `json:"sync"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DocumentDTO is an uploaded document with its sync state.
type DocumentDTO struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	SizeBytes   int64     `json:"size_bytes"`
	TextBytes   int       `json:"text_bytes"`
	SHA256      string    `json:"sha256"`
	Version     int64     `json:"version"`
	Sync        SyncDTO   `json:"sync"`
	CreatedAt   time.Time `json:"created_at"`
}

// TopicsRequest replaces the topics the agent says it can help with.
type TopicsRequest struct {
	Topics []string `json:"topics"`
}

// LimitDTO is one plan limit and how much of it is used.
type LimitDTO struct {
	Used  int64 `json:"used"`
	Limit int64 `json:"limit,omitempty"`
}

// TrainingDTO is the Training tab: the knowledge document's version and every item.
type TrainingDTO struct {
	Version       int64         `json:"version"`
	Sync          SyncDTO       `json:"sync"`
	QA            []QADTO       `json:"qa"`
	Documents     []DocumentDTO `json:"documents"`
	Topics        []string      `json:"topics"`
	DocumentLimit LimitDTO      `json:"document_limit"`
}

func (s *Server) routesTraining(r *gin.RouterGroup) {
	t := "training"
	s.handle(r, http.MethodGet, "/agents/:id/training", doc{Summary: "Everything the agent was trained with, each item with its sync state", Tag: t, Access: accessUser, Response: TrainingDTO{}}, s.getTraining)
	s.handle(r, http.MethodPost, "/agents/:id/training/documents", doc{Summary: "Upload a document (multipart field file: .txt, .md or .html, up to 2 MiB)", Tag: t, Access: accessUser, Response: DocumentDTO{}, Status: http.StatusCreated}, s.uploadDocument)
	s.handle(r, http.MethodDelete, "/agents/:id/training/documents/:doc_id", doc{Summary: "Remove a document", Tag: t, Access: accessUser, Status: http.StatusNoContent}, s.deleteDocument)
	s.handle(r, http.MethodPost, "/agents/:id/training/qa", doc{Summary: "Add a Q&A pair (answered over MCP once it returns)", Tag: t, Access: accessUser, Body: QARequest{}, Response: QADTO{}, Status: http.StatusCreated}, s.createQA)
	s.handle(r, http.MethodPatch, "/agents/:id/training/qa/:qa_id", doc{Summary: "Edit a Q&A pair", Tag: t, Access: accessUser, Body: QAPatch{}, Response: QADTO{}}, s.patchQA)
	s.handle(r, http.MethodDelete, "/agents/:id/training/qa/:qa_id", doc{Summary: "Remove a Q&A pair", Tag: t, Access: accessUser, Status: http.StatusNoContent}, s.deleteQA)
	s.handle(r, http.MethodPut, "/agents/:id/training/topics", doc{Summary: "Define the topics the agent helps with", Tag: t, Access: accessUser, Body: TopicsRequest{}, Response: TrainingDTO{}}, s.putTopics)
}

func toQADTO(q models.TrainingQA) QADTO {
	return QADTO{ID: q.ID, Question: q.Question, Answer: q.Answer, Topic: q.Topic, Version: q.Version,
		Sync: SyncDTO{State: string(q.SyncState), Error: q.SyncError}, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
}

func toDocumentDTO(d models.TrainingDocument) DocumentDTO {
	return DocumentDTO{ID: d.ID, Name: d.Name, ContentType: d.ContentType, SizeBytes: d.SizeBytes, TextBytes: len(d.Text), SHA256: d.SHA256,
		Version: d.Version, Sync: SyncDTO{State: string(d.SyncState), Error: d.SyncError}, CreatedAt: d.CreatedAt}
}

func (s *Server) getTraining(c *gin.Context) {
	agent, _, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	s.answerTraining(c, agent)
}

func (s *Server) answerTraining(c *gin.Context, agent models.Agent) {
	k, err := s.Store.KnowledgeOf(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	row, found, err := s.configRow(c, agent.ID, models.ConfigKnowledge)
	if err != nil {
		fail(c, err)
		return
	}
	out := TrainingDTO{Version: row.Version, Sync: toSyncDTO(row, found), QA: []QADTO{}, Documents: []DocumentDTO{}, Topics: k.Topics}
	for _, q := range k.QA {
		out.QA = append(out.QA, toQADTO(q))
	}
	for _, d := range k.Documents {
		out.Documents = append(out.Documents, toDocumentDTO(d))
	}
	out.DocumentLimit = LimitDTO{Used: int64(len(k.Documents)), Limit: s.planLimit(c, agent.ID, "documents")}
	c.JSON(http.StatusOK, out)
}

// planLimit is a limit of the agent's plan, 0 when the plan sets none.
func (s *Server) planLimit(c *gin.Context, agentID, name string) int64 {
	spec, err := s.Store.DeploymentSpec(c, agentID)
	if err != nil {
		return 0
	}
	return spec.Plan.Limits.V[name]
}

// knowledgeChanged bumps the knowledge version and pushes it through AgentSync,
// waiting briefly so the next MCP ask already sees the change.
func (s *Server) knowledgeChanged(c *gin.Context, agentID string, version int64) error {
	if err := s.Store.TouchKnowledge(c, agentID, mustUser(c).ID, version); err != nil {
		return err
	}
	_ = s.syncAgent(c, agentID, workflows.SyncKnowledge) // per-item sync state tells how it went
	return nil
}

func (s *Server) createQA(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req QARequest
	if !bindJSON(c, &req) {
		return
	}
	qa := models.TrainingQA{ID: models.NewID("qa"), AgentID: agent.ID, Version: time.Now().UnixNano(), SyncState: models.SyncPending,
		CreatedAt: models.Now(), UpdatedAt: models.Now()}
	if err := applyQA(&qa, &req.Question, &req.Answer, &req.Topic); err != nil {
		fail(c, err)
		return
	}
	n, err := s.Store.CountQA(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if n >= maxQAPairs {
		fail(c, errs.New(errs.Conflict, "an agent holds at most %d Q&A pairs", maxQAPairs).WithReason("knowledge_full"))
		return
	}
	if err := s.Store.CreateQA(c, &qa); err != nil {
		fail(c, err)
		return
	}
	s.answerQA(c, agent.ID, qa.ID, qa.Version, http.StatusCreated)
}

func (s *Server) answerQA(c *gin.Context, agentID, qaID string, version int64, status int) {
	if err := s.knowledgeChanged(c, agentID, version); err != nil {
		fail(c, err)
		return
	}
	got, err := s.Store.QAOf(c, agentID, qaID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, toQADTO(got))
}

// applyQA validates and sets the fields given (nil: unchanged).
func applyQA(qa *models.TrainingQA, question, answer, topic *string) error {
	if question != nil {
		qa.Question = strings.TrimSpace(*question)
	}
	if answer != nil {
		qa.Answer = strings.TrimSpace(*answer)
	}
	if topic != nil {
		qa.Topic = strings.TrimSpace(*topic)
	}
	if qa.Question == "" || utf8.RuneCountInString(qa.Question) > 1000 {
		return errs.Field("question", "question must be 1 to 1000 characters")
	}
	if qa.Answer == "" || utf8.RuneCountInString(qa.Answer) > 4000 {
		return errs.Field("answer", "answer must be 1 to 4000 characters")
	}
	if utf8.RuneCountInString(qa.Topic) > 100 {
		return errs.Field("topic", "topic must be at most 100 characters")
	}
	return nil
}

func (s *Server) patchQA(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	qa, err := s.Store.QAOf(c, agent.ID, c.Param("qa_id"))
	if err != nil {
		fail(c, err)
		return
	}
	var req QAPatch
	if !bindJSON(c, &req) {
		return
	}
	if err := applyQA(&qa, req.Question, req.Answer, req.Topic); err != nil {
		fail(c, err)
		return
	}
	qa.Version = time.Now().UnixNano()
	if err := s.Store.UpdateQA(c, qa); err != nil {
		fail(c, err)
		return
	}
	s.answerQA(c, agent.ID, qa.ID, qa.Version, http.StatusOK)
}

func (s *Server) deleteQA(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.DeleteQA(c, agent.ID, c.Param("qa_id")); err != nil {
		fail(c, err)
		return
	}
	if err := s.knowledgeChanged(c, agent.ID, time.Now().UnixNano()); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) putTopics(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req TopicsRequest
	if !bindJSON(c, &req) {
		return
	}
	topics := []string{}
	for _, t := range req.Topics {
		t = strings.TrimSpace(t)
		if t == "" || utf8.RuneCountInString(t) > 60 {
			fail(c, errs.Field("topics", "each topic must be 1 to 60 characters"))
			return
		}
		if !contains(topics, t) {
			topics = append(topics, t)
		}
		if len(topics) > maxTopics { // stop here: the de-duplication is quadratic
			fail(c, errs.Field("topics", "at most %d topics", maxTopics))
			return
		}
	}
	if err := s.Store.ReplaceTopics(c, agent.ID, topics); err != nil {
		fail(c, err)
		return
	}
	if err := s.knowledgeChanged(c, agent.ID, time.Now().UnixNano()); err != nil {
		fail(c, err)
		return
	}
	s.answerTraining(c, agent)
}

func (s *Server) uploadDocument(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	name, content, err := readUpload(c)
	if err != nil {
		fail(c, err)
		return
	}
	ct, err := documentType(name, content)
	if err != nil {
		fail(c, err)
		return
	}
	text := extractText(ct, content)
	if text == "" {
		fail(c, errs.New(errs.Invalid, "%s has no text to learn from", name).WithReason("empty_document").WithDetails(map[string]any{"field": "file"}))
		return
	}
	count, textBytes, err := s.Store.DocumentStats(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if limit := s.planLimit(c, agent.ID, "documents"); limit > 0 && count >= limit {
		fail(c, errs.New(errs.Conflict, "your plan allows %d documents: remove one or upgrade the plan", limit).WithReason("plan_limit_reached"))
		return
	}
	if textBytes+int64(len(text)) > maxKnowledgeBytes {
		fail(c, errs.New(errs.TooLarge, "the agent's documents may hold at most %d MiB of text", maxKnowledgeBytes>>20).WithReason("knowledge_full"))
		return
	}
	sum := sha256.Sum256(content)
	d := models.TrainingDocument{ID: models.NewID("doc"), AgentID: agent.ID, Name: name, ContentType: ct, SizeBytes: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), Text: text, Version: time.Now().UnixNano(), SyncState: models.SyncPending,
		CreatedAt: models.Now(), UpdatedAt: models.Now()}
	d.BlobKey = "training/" + agent.ID + "/" + d.ID
	store := s.Blobs
	if _, err := store.Put(c, d.BlobKey, ct, bytes.NewReader(content)); err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.CreateDocument(c, &d); err != nil {
		_ = store.Delete(c, d.BlobKey)
		fail(c, err)
		return
	}
	if err := s.knowledgeChanged(c, agent.ID, d.Version); err != nil {
		fail(c, err)
		return
	}
	got, err := s.Store.DocumentOf(c, agent.ID, d.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toDocumentDTO(got))
}

// readUpload reads the multipart field "file", refusing a missing, empty or
// oversized one before anything is stored.
func readUpload(c *gin.Context) (string, []byte, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxDocumentBytes+64<<10)
	fh, err := c.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, errs.New(errs.TooLarge, "documents may be at most %d MiB", maxDocumentBytes>>20).WithDetails(map[string]any{"field": "file"})
		}
		return "", nil, errs.Field("file", "send the document as multipart/form-data field \"file\"")
	}
	if fh.Size > maxDocumentBytes {
		return "", nil, errs.New(errs.TooLarge, "documents may be at most %d MiB", maxDocumentBytes>>20).WithDetails(map[string]any{"field": "file"})
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxDocumentBytes+1))
	if err != nil {
		return "", nil, err
	}
	if len(content) == 0 {
		return "", nil, errs.New(errs.Invalid, "the document is empty").WithReason("empty_document").WithDetails(map[string]any{"field": "file"})
	}
	name := strings.TrimSpace(filepath.Base(fh.Filename))
	if name == "" || name == "." || utf8.RuneCountInString(name) > 200 {
		return "", nil, errs.Field("file", "the file needs a name of at most 200 characters")
	}
	return name, content, nil
}

func (s *Server) deleteDocument(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	d, err := s.Store.DocumentOf(c, agent.ID, c.Param("doc_id"))
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.DeleteDocument(c, agent.ID, d.ID); err != nil {
		fail(c, err)
		return
	}
	_ = s.Blobs.Delete(c, d.BlobKey) // the record is gone; an orphaned blob is harmless
	if err := s.knowledgeChanged(c, agent.ID, time.Now().UnixNano()); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
