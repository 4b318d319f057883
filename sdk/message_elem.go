package sdk

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// ElemType is the kind of a message element (V2TIM_ELEM_TYPE_*).
type ElemType int

// Element types, with V2TIM's values.
const (
	ElemTypeNone      ElemType = 0 // an element this SDK does not model (RawElem)
	ElemTypeText      ElemType = 1
	ElemTypeCustom    ElemType = 2
	ElemTypeImage     ElemType = 3
	ElemTypeSound     ElemType = 4
	ElemTypeVideo     ElemType = 5
	ElemTypeFile      ElemType = 6
	ElemTypeLocation  ElemType = 7
	ElemTypeFace      ElemType = 8
	ElemTypeGroupTips ElemType = 9
	ElemTypeMerger    ElemType = 10
)

// Elem is one element of a message: *TextElem, *CustomElem, *FaceElem,
// *LocationElem, *ImageElem, *SoundElem, *VideoElem, *FileElem, or *RawElem
// for an element type the SDK does not model. On the wire each is a
// Tencent REST MsgBody element ({"MsgType","MsgContent"}), so messages
// sent through the REST API and through the SDK look the same.
type Elem interface {
	ElemType() ElemType
	// wire returns the element's MsgType and MsgContent.
	wire() (string, any)
}

// TextElem is a text element (TIMTextElem).
type TextElem struct {
	Text string
}

// CustomElem is an app-defined element (TIMCustomElem). Data travels as a
// JSON string, so it must be UTF-8 (JSON text, for instance): SendMessage
// refuses other bytes. Description is also the offline push text.
type CustomElem struct {
	Data        []byte
	Description string
	Extension   string
}

// FaceElem is an emoji element (TIMFaceElem): Index and Data are
// interpreted by the receiving app. Data must be UTF-8, as CustomElem.Data.
type FaceElem struct {
	Index int
	Data  []byte
}

// LocationElem is a location (TIMLocationElem).
type LocationElem struct {
	Desc      string
	Longitude float64
	Latitude  float64
}

// ImageType tells the variants of an image apart (V2TIM_IMAGE_TYPE_*).
type ImageType int

// Image variants, with V2TIM's values.
const (
	ImageTypeOrigin ImageType = 0 // the original
	ImageTypeThumb  ImageType = 1 // thumbnail (short side 198 px)
	ImageTypeLarge  ImageType = 2 // large (short side 720 px)
)

// Image is one variant of an image element (V2TIMImage).
type Image struct {
	Type   ImageType
	UUID   string
	URL    string
	Size   int64 // bytes
	Width  int
	Height int
}

// ImageElem is an image (TIMImageElem) with its variants. The SDK does not
// upload: the URLs point to where the app stored the files.
type ImageElem struct {
	UUID string
	// Format is Tencent's ImageFormat: 1 JPG, 2 GIF, 3 PNG, 4 BMP, 255
	// other (0: not given).
	Format int
	Images []Image
}

// SoundElem is an audio clip (TIMSoundElem) stored at URL.
type SoundElem struct {
	UUID     string
	URL      string
	DataSize int64 // bytes
	Duration int   // seconds
}

// VideoElem is a video with its snapshot (TIMVideoFileElem).
type VideoElem struct {
	VideoUUID      string
	VideoURL       string
	VideoType      string // the format, e.g. "mp4"
	VideoSize      int64  // bytes
	Duration       int    // seconds
	SnapshotUUID   string
	SnapshotURL    string
	SnapshotSize   int64
	SnapshotWidth  int
	SnapshotHeight int
}

// FileElem is a file (TIMFileElem) stored at URL.
type FileElem struct {
	UUID     string
	URL      string
	FileName string
	FileSize int64 // bytes
}

// RawElem is an element the SDK does not model (TIMRelayElem, for one),
// kept as it arrived; sending it passes it through unchanged.
type RawElem struct {
	MsgType string
	Content json.RawMessage
}

func (*TextElem) ElemType() ElemType     { return ElemTypeText }
func (*CustomElem) ElemType() ElemType   { return ElemTypeCustom }
func (*FaceElem) ElemType() ElemType     { return ElemTypeFace }
func (*LocationElem) ElemType() ElemType { return ElemTypeLocation }
func (*ImageElem) ElemType() ElemType    { return ElemTypeImage }
func (*SoundElem) ElemType() ElemType    { return ElemTypeSound }
func (*VideoElem) ElemType() ElemType    { return ElemTypeVideo }
func (*FileElem) ElemType() ElemType     { return ElemTypeFile }
func (*RawElem) ElemType() ElemType      { return ElemTypeNone }

// Download_Flag 2: the file is at the URL given (Tencent's value for
// files stored outside its COS).
const downloadFlagURL = 2

func (e *TextElem) wire() (string, any) {
	return "TIMTextElem", struct {
		Text string `json:"Text"`
	}{e.Text}
}

func (e *CustomElem) wire() (string, any) {
	return "TIMCustomElem", struct {
		Data string `json:"Data"`
		Desc string `json:"Desc"`
		Ext  string `json:"Ext"`
	}{string(e.Data), e.Description, e.Extension}
}

func (e *FaceElem) wire() (string, any) {
	return "TIMFaceElem", struct {
		Index int    `json:"Index"`
		Data  string `json:"Data"`
	}{e.Index, string(e.Data)}
}

func (e *LocationElem) wire() (string, any) {
	return "TIMLocationElem", struct {
		Desc      string  `json:"Desc"`
		Latitude  float64 `json:"Latitude"`
		Longitude float64 `json:"Longitude"`
	}{e.Desc, e.Latitude, e.Longitude}
}

type wireImageInfo struct {
	Type   int    `json:"Type"` // 1 original, 2 large, 3 thumbnail
	Size   int64  `json:"Size"`
	Width  int    `json:"Width"`
	Height int    `json:"Height"`
	URL    string `json:"URL"`
	UUID   string `json:"UUID,omitempty"`
}

func (e *ImageElem) wire() (string, any) {
	infos := make([]wireImageInfo, len(e.Images))
	for i, im := range e.Images {
		t := 1
		switch im.Type {
		case ImageTypeLarge:
			t = 2
		case ImageTypeThumb:
			t = 3
		}
		infos[i] = wireImageInfo{Type: t, Size: im.Size, Width: im.Width, Height: im.Height, URL: im.URL, UUID: im.UUID}
	}
	return "TIMImageElem", struct {
		UUID           string          `json:"UUID"`
		ImageFormat    int             `json:"ImageFormat"`
		ImageInfoArray []wireImageInfo `json:"ImageInfoArray"`
	}{e.UUID, e.Format, infos}
}

func (e *SoundElem) wire() (string, any) {
	return "TIMSoundElem", struct {
		URL      string `json:"Url"`
		UUID     string `json:"UUID"`
		Size     int64  `json:"Size"`
		Second   int    `json:"Second"`
		Download int    `json:"Download_Flag"`
	}{e.URL, e.UUID, e.DataSize, e.Duration, downloadFlagURL}
}

func (e *VideoElem) wire() (string, any) {
	return "TIMVideoFileElem", struct {
		VideoURL      string `json:"VideoUrl"`
		VideoUUID     string `json:"VideoUUID"`
		VideoSize     int64  `json:"VideoSize"`
		VideoSecond   int    `json:"VideoSecond"`
		VideoFormat   string `json:"VideoFormat"`
		VideoDownload int    `json:"VideoDownloadFlag"`
		ThumbURL      string `json:"ThumbUrl"`
		ThumbUUID     string `json:"ThumbUUID"`
		ThumbSize     int64  `json:"ThumbSize"`
		ThumbWidth    int    `json:"ThumbWidth"`
		ThumbHeight   int    `json:"ThumbHeight"`
		ThumbDownload int    `json:"ThumbDownloadFlag"`
	}{e.VideoURL, e.VideoUUID, e.VideoSize, e.Duration, e.VideoType, downloadFlagURL,
		e.SnapshotURL, e.SnapshotUUID, e.SnapshotSize, e.SnapshotWidth, e.SnapshotHeight, downloadFlagURL}
}

func (e *FileElem) wire() (string, any) {
	return "TIMFileElem", struct {
		URL      string `json:"Url"`
		UUID     string `json:"UUID"`
		FileSize int64  `json:"FileSize"`
		FileName string `json:"FileName"`
		Download int    `json:"Download_Flag"`
	}{e.URL, e.UUID, e.FileSize, e.FileName, downloadFlagURL}
}

func (e *RawElem) wire() (string, any) {
	c := e.Content
	if len(bytes.TrimSpace(c)) == 0 {
		c = json.RawMessage(`{}`)
	}
	return e.MsgType, c
}

// flexFloat is a number that also accepts a JSON string holding one, or
// null.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*f = 0
			return nil
		}
		b = []byte(s)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = flexFloat(v)
	return nil
}

// decodeElem turns a MsgBody element into an Elem; content it cannot read
// is kept as a RawElem.
func decodeElem(msgType string, content json.RawMessage) Elem {
	raw := func() Elem { return &RawElem{MsgType: msgType, Content: append(json.RawMessage(nil), content...)} }
	switch msgType {
	case "TIMTextElem":
		var c struct {
			Text string `json:"Text"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		return &TextElem{Text: c.Text}
	case "TIMCustomElem":
		var c struct {
			Data string `json:"Data"`
			Desc string `json:"Desc"`
			Ext  string `json:"Ext"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		return &CustomElem{Data: []byte(c.Data), Description: c.Desc, Extension: c.Ext}
	case "TIMFaceElem":
		var c struct {
			Index flexInt `json:"Index"`
			Data  string  `json:"Data"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		return &FaceElem{Index: int(c.Index), Data: []byte(c.Data)}
	case "TIMLocationElem":
		var c struct {
			Desc      string    `json:"Desc"`
			Latitude  flexFloat `json:"Latitude"`
			Longitude flexFloat `json:"Longitude"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		return &LocationElem{Desc: c.Desc, Latitude: float64(c.Latitude), Longitude: float64(c.Longitude)}
	case "TIMImageElem":
		var c struct {
			UUID        string  `json:"UUID"`
			ImageFormat flexInt `json:"ImageFormat"`
			Infos       []struct {
				Type   flexInt `json:"Type"`
				Size   flexInt `json:"Size"`
				Width  flexInt `json:"Width"`
				Height flexInt `json:"Height"`
				URL    string  `json:"URL"`
				UUID   string  `json:"UUID"`
			} `json:"ImageInfoArray"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		e := &ImageElem{UUID: c.UUID, Format: int(c.ImageFormat), Images: make([]Image, len(c.Infos))}
		for i, in := range c.Infos {
			t := ImageTypeOrigin
			switch in.Type {
			case 2:
				t = ImageTypeLarge
			case 3:
				t = ImageTypeThumb
			}
			e.Images[i] = Image{Type: t, UUID: in.UUID, URL: in.URL, Size: int64(in.Size), Width: int(in.Width), Height: int(in.Height)}
		}
		return e
	case "TIMSoundElem":
		var c struct {
			URL    string  `json:"Url"`
			UUID   string  `json:"UUID"`
			Size   flexInt `json:"Size"`
			Second flexInt `json:"Second"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		return &SoundElem{UUID: c.UUID, URL: c.URL, DataSize: int64(c.Size), Duration: int(c.Second)}
	case "TIMVideoFileElem":
		var c struct {
			VideoURL    string  `json:"VideoUrl"`
			VideoUUID   string  `json:"VideoUUID"`
			VideoSize   flexInt `json:"VideoSize"`
			VideoSecond flexInt `json:"VideoSecond"`
			VideoFormat string  `json:"VideoFormat"`
			ThumbURL    string  `json:"ThumbUrl"`
			ThumbUUID   string  `json:"ThumbUUID"`
			ThumbSize   flexInt `json:"ThumbSize"`
			ThumbWidth  flexInt `json:"ThumbWidth"`
			ThumbHeight flexInt `json:"ThumbHeight"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		return &VideoElem{VideoUUID: c.VideoUUID, VideoURL: c.VideoURL, VideoType: c.VideoFormat, VideoSize: int64(c.VideoSize),
			Duration: int(c.VideoSecond), SnapshotUUID: c.ThumbUUID, SnapshotURL: c.ThumbURL, SnapshotSize: int64(c.ThumbSize),
			SnapshotWidth: int(c.ThumbWidth), SnapshotHeight: int(c.ThumbHeight)}
	case "TIMFileElem":
		var c struct {
			URL      string  `json:"Url"`
			UUID     string  `json:"UUID"`
			FileSize flexInt `json:"FileSize"`
			FileName string  `json:"FileName"`
		}
		if json.Unmarshal(content, &c) != nil {
			return raw()
		}
		return &FileElem{UUID: c.UUID, URL: c.URL, FileName: c.FileName, FileSize: int64(c.FileSize)}
	}
	return raw()
}
