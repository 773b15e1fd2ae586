package attachments

import "testing"

// explainVerdicts are verdicts as Check makes them, one per reason.
var explainVerdicts = []Verdict{
	{Filename: "photo.jpg", DetectedType: typeJPEG, Size: 7549747, Reason: ReasonTooLarge,
		Detail: "size=7549747; limit=5242880"},
	{Filename: "big.png", DetectedType: typePNG, Size: 5242881, Reason: ReasonTooLarge,
		Detail: "size=5242881; limit=5242880"},
	{Filename: "scan.png", DetectedType: typeZIP, Reason: ReasonWrongType,
		Detail: "type=application/zip; allowed=image/jpeg,image/png,application/pdf"},
	{Filename: "photo.png", DetectedType: typeEXE, Reason: ReasonWrongType,
		Detail: "type=application/x-msdownload; allowed=image/jpeg,image/png,application/pdf"},
	{Filename: "заявление.docx", DetectedType: typeDOCX, Reason: ReasonWrongType,
		Detail: "type=" + typeDOCX + "; allowed=image/jpeg,image/png,application/pdf"},
	{Filename: "IMG_0001.HEIC", DetectedType: typeHEIC, Reason: ReasonWrongType,
		Detail: "type=image/heic; allowed=image/jpeg,image/png,application/pdf"},
	{Filename: "error.gif", DetectedType: typeGIF, Reason: ReasonWrongType,
		Detail: "type=image/gif; allowed=image/jpeg,image/png"},
	{Filename: "photo.jpg", DetectedType: typeJPEG, Reason: ReasonDamaged,
		Detail: "error=attachments: truncated before the end marker"},
	{Filename: "screen.png", DetectedType: typePNG, Width: 100000, Height: 100000, Reason: ReasonTooManyPixels,
		Detail: "pixels=10000000000; limit=50000000"},
	{Filename: "scan.png", DetectedType: typePNG, Width: 7000, Height: 7000, Reason: ReasonTooLargeToDecode,
		Detail: "bytes=403060162; limit=134217728"},
	{Filename: "invoice.pdf", DetectedType: typePDF, Reason: ReasonPDFJavaScript, Detail: "name=/JS"},
	{Filename: "docs.pdf", DetectedType: typePDF, Reason: ReasonPDFEmbeddedFiles, Detail: "name=/EmbeddedFile"},
	{Filename: "spravka.pdf", DetectedType: typePDF, Reason: ReasonPDFEncrypted, Detail: "name=/Encrypt"},
	{Filename: "photo.jpg", DetectedType: typeJPEG, Reason: ReasonPolyglot, Detail: "embedded=application/zip; offset=8520"},
	{Filename: "photo.jpg", DetectedType: typeUnknown, Reason: ReasonEmpty},
	{Filename: "attachment-7.pdf", DetectedType: typePDF, Reason: ReasonBudgetExceeded, Detail: "error=context deadline exceeded"},
	{Filename: "screen.png", DetectedType: typePNG, Accepted: true},
	{Filename: "logo.gif", DetectedType: typeGIF, Skipped: true},
}

// explainGolden holds what Explain says of each of explainVerdicts.
var explainGolden = []struct{ ru, en string }{
	{
		ru: "Файл «photo.jpg» весит 7,2 МБ, а допустимо не более 5 МБ. Уменьшите его, пожалуйста, или пришлите скриншот нужной части экрана.",
		en: "The file “photo.jpg” is 7.2 MB, but at most 5 MB is allowed. Please make it smaller or send a screenshot of the relevant part of the screen.",
	},
	{
		ru: "Файл «big.png» весит 5,1 МБ, а допустимо не более 5 МБ. Уменьшите его, пожалуйста, или пришлите скриншот нужной части экрана.",
		en: "The file “big.png” is 5.1 MB, but at most 5 MB is allowed. Please make it smaller or send a screenshot of the relevant part of the screen.",
	},
	{
		ru: "Файл «scan.png» — это не изображение, а архив ZIP. Пришлите, пожалуйста, скриншот в формате JPG, PNG или PDF.",
		en: "The file “scan.png” is not an image but a ZIP archive. Please send a screenshot as JPG, PNG or PDF.",
	},
	{
		ru: "Файл «photo.png» — это не изображение, а программа для Windows. Пришлите, пожалуйста, скриншот в формате JPG, PNG или PDF.",
		en: "The file “photo.png” is not an image but a Windows executable. Please send a screenshot as JPG, PNG or PDF.",
	},
	{
		ru: "Файл «заявление.docx» — это не изображение, а документ Word. Пришлите, пожалуйста, скриншот в формате JPG, PNG или PDF.",
		en: "The file “заявление.docx” is not an image but a Word document. Please send a screenshot as JPG, PNG or PDF.",
	},
	{
		ru: "Файл «IMG_0001.HEIC» — изображение в формате HEIC, а мы принимаем только JPG, PNG или PDF. Пришлите, пожалуйста, скриншот в одном из этих форматов. На iPhone для этого выберите «Настройки» → «Камера» → «Форматы» → «Наиболее совместимый».",
		en: "The file “IMG_0001.HEIC” is a HEIC image, but we only accept JPG, PNG or PDF. Please send the screenshot in one of these formats. On an iPhone, choose Settings → Camera → Formats → Most Compatible.",
	},
	{
		ru: "Файл «error.gif» — изображение в формате GIF, а мы принимаем только JPG или PNG. Пришлите, пожалуйста, скриншот в одном из этих форматов.",
		en: "The file “error.gif” is a GIF image, but we only accept JPG or PNG. Please send the screenshot in one of these formats.",
	},
	{
		ru: "Файл «photo.jpg» повреждён или пришёл не полностью, открыть его не удалось. Пришлите его, пожалуйста, ещё раз.",
		en: "The file “photo.jpg” is damaged or did not arrive complete, so it cannot be opened. Please send it again.",
	},
	{
		ru: "Изображение «screen.png» слишком велико: 100000×100000, это 10000 млн пикселей, а допустимо не более 50 млн. Уменьшите его, пожалуйста, или пришлите скриншот.",
		en: "The image “screen.png” is too large: 100000×100000, that is 10000 megapixels, but at most 50 megapixels are allowed. Please make it smaller or send a screenshot.",
	},
	{
		ru: "Изображение «scan.png» (7000×7000) слишком велико, чтобы его открыть: для этого нужно 384,4 МБ памяти, а допустимо не более 128 МБ. Уменьшите его или сохраните в формате JPG, пожалуйста, либо пришлите скриншот.",
		en: "The image “scan.png” (7000×7000) is too large to open: it needs 384.4 MB of memory, but at most 128 MB is allowed. Please make it smaller or save it as JPG, or send a screenshot.",
	},
	{
		ru: "Файл «invoice.pdf» содержит программный код (JavaScript или автоматические действия), поэтому из соображений безопасности мы его не открываем. Пришлите, пожалуйста, скриншот или заново сохраните документ в PDF без этих функций.",
		en: "The file “invoice.pdf” contains program code (JavaScript or automatic actions), so for safety we do not open it. Please send a screenshot, or save the document as a PDF again without these features.",
	},
	{
		ru: "В файл «docs.pdf» вложены другие файлы, поэтому из соображений безопасности мы его не открываем. Пришлите, пожалуйста, каждый документ отдельно в формате JPG, PNG или PDF.",
		en: "The file “docs.pdf” has other files inside it, so for safety we do not open it. Please send each document separately as JPG, PNG or PDF.",
	},
	{
		ru: "Файл «spravka.pdf» защищён паролем или зашифрован, поэтому открыть его мы не можем. Пришлите, пожалуйста, PDF без пароля или скриншот.",
		en: "The file “spravka.pdf” is protected by a password or encrypted, so we cannot open it. Please send a PDF without a password, or a screenshot.",
	},
	{
		ru: "Файл «photo.jpg» содержит скрытые данные (архив ZIP), поэтому из соображений безопасности мы его не принимаем. Пришлите, пожалуйста, обычный скриншот в формате JPG, PNG или PDF.",
		en: "The file “photo.jpg” contains hidden data (ZIP archive), so for safety we do not accept it. Please send an ordinary screenshot as JPG, PNG or PDF.",
	},
	{
		ru: "Файл «photo.jpg» пустой — возможно, он не успел прикрепиться. Пришлите его, пожалуйста, ещё раз.",
		en: "The file “photo.jpg” is empty; perhaps it was not attached completely. Please send it again.",
	},
	{
		ru: "Файл «attachment-7.pdf» мы не успели проверить: в письме слишком много вложений или они слишком большие. Пришлите его, пожалуйста, отдельным письмом.",
		en: "We could not check the file “attachment-7.pdf” in time: the letter has too many or too large attachments. Please send it in a separate letter.",
	},
	{
		ru: "",
		en: "",
	},
	{
		ru: "",
		en: "",
	},
}

func TestExplain(t *testing.T) {
	if len(explainGolden) != len(explainVerdicts) {
		t.Fatalf("%d golden texts for %d verdicts", len(explainGolden), len(explainVerdicts))
	}
	for i, v := range explainVerdicts {
		for _, tt := range []struct{ lang, want string }{
			{"ru", explainGolden[i].ru},
			{"", explainGolden[i].ru},
			{"de", explainGolden[i].ru},
			{"en", explainGolden[i].en},
			{"en-GB", explainGolden[i].en},
		} {
			if got := v.Explain(tt.lang); got != tt.want {
				t.Errorf("Verdict{%s, %s}.Explain(%q) =\n%s\nwant\n%s", v.Reason, v.Filename, tt.lang, got, tt.want)
			}
		}
	}
}
