package message

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// MaxReceiptsPerCall is how many messages one read-receipt call names
// (sendMessageReadReceipts: at most 30, of one conversation).
const MaxReceiptsPerCall = 30

// SendReceipts records that reader read the messages msgKeys of the
// conversation with peer (per-message read receipts, V2TIM
// sendMessageReadReceipts). Only messages peer sent with a read receipt
// requested (store.MessageNeedReadReceipt) take one; the others are left
// out of the answer. The read cursor and the unread count do not move.
// Peer's devices get msg.receipt with the messages that had no receipt
// yet. It returns the keys of the messages that now have a receipt.
func (s *Service) SendReceipts(ctx context.Context, a *app.App, reader, peer string, msgKeys []string) ([]string, error) {
	if len(msgKeys) == 0 || len(msgKeys) > MaxReceiptsPerCall {
		return nil, errcode.Newf(CodeInvalidRequest, "Err_Msg_Receipt_Count: give 1 to %d messages of one conversation", MaxReceiptsPerCall)
	}
	keys, err := parseKeys(msgKeys)
	if err != nil {
		return nil, err
	}
	conv := ConvKey(reader, peer)
	now := s.now()
	var acked, added []string
	err = s.Store.Write(ctx, func(tx Tx) error {
		acked, added = acked[:0], added[:0]
		seqs := make([]uint64, 0, len(keys))
		byseq := map[uint64]string{}
		for i, k := range keys {
			m, ok, err := lookup(ctx, tx, a.SDKAppID, conv, k)
			if err != nil {
				return err
			}
			if !ok {
				return errcode.Newf(CodeNoSuchMessage, "Err_Msg_Receipt_Message_Not_Exist: %s", msgKeys[i])
			}
			if m.Sender != peer || m.Receiver != reader || m.Flags&store.MessageNeedReadReceipt == 0 || byseq[m.Seq] != "" {
				continue
			}
			byseq[m.Seq] = MsgKey(m)
			seqs = append(seqs, m.Seq)
			acked = append(acked, byseq[m.Seq])
		}
		if len(seqs) == 0 {
			return nil
		}
		fresh, err := tx.AddMessageReceipts(ctx, a.SDKAppID, conv, seqs, now.UnixMilli())
		if err != nil {
			return err
		}
		for _, seq := range fresh {
			added = append(added, byseq[seq])
		}
		return s.outboxReceipt(ctx, tx, a, reader, peer, added)
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "message: receipts of %s for %s", reader, peer)
	}
	s.outboxCommitted(a, outboxKindReceipt)
	if acked == nil {
		acked = []string{}
	}
	if len(added) > 0 {
		m := &store.Message{App: a.SDKAppID, ConvKey: conv, Sender: reader, Receiver: peer, SentAt: now.UnixMilli()}
		s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.MessageReceipt, User: peer, Message: m, MsgKeys: added})
	}
	return acked, nil
}

// markPeerRead sets PeerRead on the messages of msgs (of one conversation)
// that asked for a read receipt and have one.
func markPeerRead(ctx context.Context, tx Tx, app store.AppID, convKey string, msgs []store.Message) error {
	var seqs []uint64
	for _, m := range msgs {
		if m.Flags&store.MessageNeedReadReceipt != 0 {
			seqs = append(seqs, m.Seq)
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	read, err := tx.MessageReceipts(ctx, app, convKey, seqs)
	if err != nil {
		return err
	}
	for i := range msgs {
		_, msgs[i].PeerRead = read[msgs[i].Seq]
	}
	return nil
}
