package attachments_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/mailparse"
)

func ExampleCheckAll() {
	parts := []mailparse.Part{
		{Filename: "scan.png", ContentType: "image/png", Body: []byte("PK\x05\x06" + string(make([]byte, 18)))},
		{Filename: "photo.jpg", ContentType: "image/jpeg"},
	}
	for _, v := range attachments.CheckAll(context.Background(), parts, attachments.DefaultPolicy()) {
		fmt.Println(v.Filename, v.DetectedType, v.Accepted, v.Reason)
		fmt.Println(v.Explain("ru"))
		fmt.Println(v.Explain("en"))
	}
	// Output:
	// scan.png application/zip false wrong_type
	// Файл «scan.png» — это не изображение, а архив ZIP. Пришлите, пожалуйста, скриншот в формате JPG, PNG или PDF.
	// The file “scan.png” is not an image but a ZIP archive. Please send a screenshot as JPG, PNG or PDF.
	// photo.jpg application/octet-stream false empty
	// Файл «photo.jpg» пустой — возможно, он не успел прикрепиться. Пришлите его, пожалуйста, ещё раз.
	// The file “photo.jpg” is empty; perhaps it was not attached completely. Please send it again.
}

func ExampleKind() {
	fmt.Println(attachments.Kind("application/x-msdownload"))
	// Output: Windows executable
}

func ExampleCheckPart() {
	raw := []byte("From: citizen@example.ru\r\nSubject: error\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThe form fails.\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nTVoAAA==\r\n--b--\r\n")
	l, err := mailparse.ParseAt(bytes.NewReader(raw), int64(len(raw)), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range l.Parts {
		c := attachments.CheckPart(context.Background(), p, attachments.DefaultPolicy(), i+1)
		if c.Err != nil {
			fmt.Println("try the letter again later:", c.Err)
			return
		}
		fmt.Println(c.Verdict.Filename, c.Verdict.Size, c.Verdict.Reason, len(c.Body))
	}
	// Output:
	// attachment-1.bin 4 wrong_type 4
}
