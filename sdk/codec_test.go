package sdk

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want frame
	}{
		{
			name: "success response with data",
			in:   `{"v":1,"id":"17","code":0,"info":"","data":{"userID":"bob"}}`,
			want: frame{ID: "17", Data: json.RawMessage(`{"userID":"bob"}`)},
		},
		{
			name: "error response with data",
			in:   `{"v":1,"id":"17","code":30539,"info":"Err_SNS_FriendAdd_Need_Confirm","data":{"userID":"bob","code":30539}}`,
			want: frame{ID: "17", Code: 30539, Info: "Err_SNS_FriendAdd_Need_Confirm", Data: json.RawMessage(`{"userID":"bob","code":30539}`)},
		},
		{
			name: "response without data",
			in:   ` {"v":1,"id":"3","code":6014,"info":"not logged in"} `,
			want: frame{ID: "3", Code: 6014, Info: "not logged in"},
		},
		{
			name: "response to an unparseable request",
			in:   `{"v":1,"id":"","code":6017,"info":"invalid frame"}`,
			want: frame{ID: "", Code: 6017, Info: "invalid frame"},
		},
		{
			name: "null data is no data",
			in:   `{"v":1,"id":"1","code":0,"data":null}`,
			want: frame{ID: "1"},
		},
		{
			name: "push with seq",
			in:   `{"v":1,"push":"friend.added","seq":42,"data":{"userIDs":["bob"]}}`,
			want: frame{Push: "friend.added", Seq: 42, Data: json.RawMessage(`{"userIDs":["bob"]}`)},
		},
		{
			name: "push without seq",
			in:   `{"v":1,"push":"kicked","data":{"reason":"rest_api"}}`,
			want: frame{Push: "kicked", Data: json.RawMessage(`{"reason":"rest_api"}`)},
		},
		{
			name: "unknown fields are ignored",
			in:   `{"v":1,"push":"friend_group.changed","seq":7,"data":{},"extra":[1,2]}`,
			want: frame{Push: "friend_group.changed", Seq: 7, Data: json.RawMessage(`{}`)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeFrame([]byte(tc.in))
			if err != nil {
				t.Fatalf(
					"decodeFrame(%s): %v",
					tc.in, err)
			}
			if got.ID != tc.want.ID || got.Code != tc.want.Code || got.Info != tc.want.Info ||
				got.Push != tc.want.Push || got.Seq != tc.want.Seq || !bytes.Equal(got.Data, tc.want.Data) {
				t.Fatalf(
					"decodeFrame(%s) = %+v (data %s), want %+v (data %s)",
					tc.in, got, got.Data, tc.want, tc.want.Data)
			}
		})
	}
}

func TestDecodeFrameRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty", in: ``},
		{name: "not json", in: `hello`},
		{name: "array", in: `[{"v":1,"id":"1","code":0}]`},
		{name: "null", in: `null`},
		{name: "string", in: `"x"`},
		{name: "no version", in: `{"id":"1","code":0}`},
		{name: "wrong version", in: `{"v":2,"id":"1","code":0}`},
		{name: "version as string", in: `{"v":"1","id":"1","code":0}`},
		{name: "response without code", in: `{"v":1,"id":"1"}`},
		{name: "neither response nor push", in: `{"v":1,"code":0}`},
		{name: "empty push", in: `{"v":1,"push":"","seq":1}`},
		{name: "push and response", in: `{"v":1,"push":"friend.added","id":"1","code":0}`},
		{name: "a request", in: `{"v":1,"id":"1","code":0,"op":"login"}`},
		{name: "negative seq", in: `{"v":1,"push":"friend.added","seq":-1}`},
		{name: "trailing object", in: `{"v":1,"id":"1","code":0}{"v":1}`},
		{name: "trailing brace", in: `{"v":1,"id":"1","code":0}}`},
		{name: "trailing garbage", in: `{"v":1,"id":"1","code":0} x`},
		{name: "truncated", in: `{"v":1,"id":"1","code":`},
		{name: "code not a number", in: `{"v":1,"id":"1","code":"0"}`},
		{name: "too large", in: `{"v":1,"id":"1","code":0,"info":"` + strings.Repeat("a", MaxFrameBytes) + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := decodeFrame([]byte(tc.in)); err == nil {
				t.Fatalf(
					"decodeFrame(%.80s) = %+v, want an error",
					tc.in, f)
			}
		})
	}
}

func TestEncodeRequest(t *testing.T) {
	b, err := encodeRequest("17", "friend.add", map[string]string{"userID": "bob", "addSource": "AddSource_Type_Web"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"id":"17","op":"friend.add","data":{"addSource":"AddSource_Type_Web","userID":"bob"}}`
	if string(b) != want {
		t.Fatalf(
			"encodeRequest = %s, want %s",
			b, want)
	}
	b, err = encodeRequest("1", "ping", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"v":1,"id":"1","op":"ping","data":{}}`; string(b) != want {
		t.Fatalf(
			"encodeRequest(nil data) = %s, want %s",
			b, want)
	}
	if _, err := encodeRequest(strings.Repeat("9", 65), "ping", nil); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf(
			"65-byte id: err = %v, want code %d",
			err, ErrCodeInvalidParameters)
	}
	_, err = encodeRequest("2", "user.setSelf", map[string]string{"nickName": strings.Repeat("x", MaxFrameBytes)})
	if ErrorCode(err) != ErrCodeFrameTooLarge {
		t.Fatalf(
			"oversized request: err = %v, want code %d",
			err, ErrCodeFrameTooLarge)
	}
}

func FuzzDecodeFrame(f *testing.F) {
	seeds := []string{
		`{"v":1,"id":"17","code":0,"info":"","data":{"userID":"bob"}}`,
		`{"v":1,"id":"17","code":30539,"info":"Err_SNS_FriendAdd_Need_Confirm","data":{}}`,
		`{"v":1,"push":"friend.added","seq":42,"data":{"userIDs":["bob"]}}`,
		`{"v":1,"push":"kicked","data":{"reason":"multiple_account"}}`,
		`{"v":1,"id":"","code":6017,"info":"invalid frame"}`,
		`{"v":2}`, `[]`, `null`, `{`, `{"v":1,"id":"1","code":0}}`, "\xff\xfe",
		`{"v":1,"push":"friend.added","seq":18446744073709551615}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			return
		}
		// An accepted frame is exactly one of a response or a push.
		if fr.isPush() && (fr.ID != "" || fr.Code != 0) {
			t.Fatalf(
				"push with response fields: %+v",
				fr)
		}
		if fr.Data != nil && !json.Valid(fr.Data) {
			t.Fatalf(
				"accepted frame with invalid data %q",
				fr.Data)
		}
		// What the decoder accepted it accepts again once re-encoded.
		var again map[string]any
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf(
				"accepted %q but it is not a JSON object: %v",
				b, err)
		}
	})
}
