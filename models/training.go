package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// TrainingQA is one trained question and answer of an agent. Version is the
// knowledge version of its last edit; SyncState says whether Site-Kit has it.
type TrainingQA struct {
	ID        string `gorm:"primaryKey"`
	AgentID   string
	Question  string
	Answer    string
	Topic     string
	Version   int64
	SyncState SyncState
	SyncError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName keeps GORM from pluralising "qa".
func (TrainingQA) TableName() string { return "training_qa" }

// TrainingDocument is an uploaded document: the original in the blob store
// under BlobKey, the extracted text here (it is pushed to Site-Kit on every
// knowledge change).
type TrainingDocument struct {
	ID          string `gorm:"primaryKey"`
	AgentID     string
	Name        string
	ContentType string
	SizeBytes   int64
	SHA256      string `gorm:"column:sha256"`
	BlobKey     string
	Text        string `json:"-"`
	Version     int64
	SyncState   SyncState
	SyncError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TrainingTopic is a topic the agent says it can help with.
type TrainingTopic struct {
	AgentID  string `gorm:"primaryKey"`
	Name     string `gorm:"primaryKey"`
	Position int
}

// Knowledge is everything an agent was trained with.
type Knowledge struct {
	QA        []TrainingQA
	Documents []TrainingDocument
	Topics    []string
}

// KnowledgeOf loads an agent's whole knowledge in a stable order.
func (s *Store) KnowledgeOf(ctx context.Context, agentID string) (Knowledge, error) {
	var k Knowledge
	db := s.WithContext(ctx)
	if err := db.Where("agent_id = ?", agentID).Order("id").Find(&k.QA).Error; err != nil {
		return k, err
	}
	if err := db.Where("agent_id = ?", agentID).Order("id").Find(&k.Documents).Error; err != nil {
		return k, err
	}
	var topics []TrainingTopic
	if err := db.Where("agent_id = ?", agentID).Order("position, name").Find(&topics).Error; err != nil {
		return k, err
	}
	k.Topics = []string{}
	for _, t := range topics {
		k.Topics = append(k.Topics, t.Name)
	}
	return k, nil
}

// CountQA counts an agent's Q&A pairs.
func (s *Store) CountQA(ctx context.Context, agentID string) (int64, error) {
	var n int64
	err := s.WithContext(ctx).Model(&TrainingQA{}).Where("agent_id = ?", agentID).Count(&n).Error
	return n, err
}

// CreateQA stores a new pair.
func (s *Store) CreateQA(ctx context.Context, qa *TrainingQA) error {
	return s.WithContext(ctx).Create(qa).Error
}

// QAOf loads one pair of an agent.
func (s *Store) QAOf(ctx context.Context, agentID, id string) (TrainingQA, error) {
	var qa TrainingQA
	err := s.WithContext(ctx).Take(&qa, "id = ? AND agent_id = ?", id, agentID).Error
	return qa, notFound(err, "Q&A pair")
}

// UpdateQA saves an edited pair as pending at its new version.
func (s *Store) UpdateQA(ctx context.Context, qa TrainingQA) error {
	return s.WithContext(ctx).Model(&TrainingQA{}).Where("id = ? AND agent_id = ?", qa.ID, qa.AgentID).
		Updates(map[string]any{"question": qa.Question, "answer": qa.Answer, "topic": qa.Topic, "version": qa.Version,
			"sync_state": SyncPending, "sync_error": "", "updated_at": Now()}).Error
}

// DeleteQA removes a pair (not_found when it is not the agent's).
func (s *Store) DeleteQA(ctx context.Context, agentID, id string) error {
	res := s.WithContext(ctx).Where("id = ? AND agent_id = ?", id, agentID).Delete(&TrainingQA{})
	if res.Error == nil && res.RowsAffected == 0 {
		return notFound(gorm.ErrRecordNotFound, "Q&A pair")
	}
	return res.Error
}

// CreateDocument stores an uploaded document's record.
func (s *Store) CreateDocument(ctx context.Context, d *TrainingDocument) error {
	return s.WithContext(ctx).Create(d).Error
}

// DocumentOf loads one document of an agent.
func (s *Store) DocumentOf(ctx context.Context, agentID, id string) (TrainingDocument, error) {
	var d TrainingDocument
	err := s.WithContext(ctx).Take(&d, "id = ? AND agent_id = ?", id, agentID).Error
	return d, notFound(err, "document")
}

// DeleteDocument removes a document's record.
func (s *Store) DeleteDocument(ctx context.Context, agentID, id string) error {
	res := s.WithContext(ctx).Where("id = ? AND agent_id = ?", id, agentID).Delete(&TrainingDocument{})
	if res.Error == nil && res.RowsAffected == 0 {
		return notFound(gorm.ErrRecordNotFound, "document")
	}
	return res.Error
}

// DocumentStats counts an agent's documents and their extracted text size,
// for the plan's document limit and the knowledge size cap.
func (s *Store) DocumentStats(ctx context.Context, agentID string) (count, textBytes int64, err error) {
	var row struct{ N, Bytes int64 }
	err = s.WithContext(ctx).Model(&TrainingDocument{}).Select("COUNT(*) AS n, COALESCE(SUM(LENGTH(text)), 0) AS bytes").
		Where("agent_id = ?", agentID).Scan(&row).Error
	return row.N, row.Bytes, err
}

// ReplaceTopics sets an agent's topics in order.
func (s *Store) ReplaceTopics(ctx context.Context, agentID string, topics []string) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("agent_id = ?", agentID).Delete(&TrainingTopic{}).Error; err != nil {
			return err
		}
		for i, t := range topics {
			if err := tx.Create(&TrainingTopic{AgentID: agentID, Name: t, Position: i}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkKnowledgeSynced marks the pushed items (as read, at or below version) synced.
func (s *Store) MarkKnowledgeSynced(ctx context.Context, agentID string, qaIDs, docIDs []string, version int64) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		set := map[string]any{"sync_state": SyncSynced, "sync_error": ""}
		if len(qaIDs) > 0 {
			if err := tx.Model(&TrainingQA{}).Where("agent_id = ? AND id IN ? AND version <= ?", agentID, qaIDs, version).Updates(set).Error; err != nil {
				return err
			}
		}
		if len(docIDs) > 0 {
			if err := tx.Model(&TrainingDocument{}).Where("agent_id = ? AND id IN ? AND version <= ?", agentID, docIDs, version).Updates(set).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkKnowledgeFailed marks items still pending at or below version failed with reason.
func (s *Store) MarkKnowledgeFailed(ctx context.Context, agentID string, version int64, reason string) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		set := map[string]any{"sync_state": SyncFailed, "sync_error": reason}
		for _, m := range []any{&TrainingQA{}, &TrainingDocument{}} {
			if err := tx.Model(m).Where("agent_id = ? AND version <= ? AND sync_state = ?", agentID, version, SyncPending).Updates(set).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
