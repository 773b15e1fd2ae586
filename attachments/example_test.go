package attachments_test

import (
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
