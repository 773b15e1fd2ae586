package attachments

import "strings"

// kindName is how a media type is called in English and in Russian, and
// the extension a file of that type gets.
type kindName struct {
	en, ru, ext string
}

var kinds = map[string]kindName{
	typeJPEG:                        {"JPEG", "JPEG", ".jpg"},
	typePNG:                         {"PNG", "PNG", ".png"},
	typePDF:                         {"PDF", "PDF", ".pdf"},
	typeGIF:                         {"GIF", "GIF", ".gif"},
	typeWebP:                        {"WebP", "WebP", ".webp"},
	typeHEIC:                        {"HEIC", "HEIC", ".heic"},
	typeAVIF:                        {"AVIF", "AVIF", ".avif"},
	typeTIFF:                        {"TIFF", "TIFF", ".tif"},
	typeBMP:                         {"BMP", "BMP", ".bmp"},
	"image/x-icon":                  {"ICO", "ICO", ".ico"},
	typeZIP:                         {"ZIP archive", "архив ZIP", ".zip"},
	typeRAR:                         {"RAR archive", "архив RAR", ".rar"},
	type7z:                          {"7z archive", "архив 7z", ".7z"},
	typeGzip:                        {"gzip archive", "архив gzip", ".gz"},
	typeEXE:                         {"Windows executable", "программа для Windows", ".exe"},
	typeELF:                         {"Linux executable", "программа для Linux", ".bin"},
	typeOLE:                         {"Microsoft Office document", "документ Microsoft Office", ".doc"},
	typeDOCX:                        {"Word document", "документ Word", ".docx"},
	typeXLSX:                        {"Excel spreadsheet", "таблица Excel", ".xlsx"},
	typePPTX:                        {"PowerPoint presentation", "презентация PowerPoint", ".pptx"},
	typeODT:                         {"OpenDocument text", "документ OpenDocument", ".odt"},
	typeODS:                         {"OpenDocument spreadsheet", "таблица OpenDocument", ".ods"},
	typeText:                        {"text file", "текстовый файл", ".txt"},
	typeHTML:                        {"web page", "веб-страница", ".html"},
	"text/xml":                      {"XML file", "файл XML", ".xml"},
	"application/postscript":        {"PostScript file", "файл PostScript", ".ps"},
	"video/mp4":                     {"MP4 video", "видео MP4", ".mp4"},
	"video/webm":                    {"WebM video", "видео WebM", ".webm"},
	"video/avi":                     {"AVI video", "видео AVI", ".avi"},
	"audio/mpeg":                    {"MP3 audio", "аудиозапись MP3", ".mp3"},
	"audio/wave":                    {"WAV audio", "аудиозапись WAV", ".wav"},
	"application/ogg":               {"Ogg media", "аудио- или видеозапись Ogg", ".ogg"},
	"application/wasm":              {"WebAssembly program", "программа WebAssembly", ".wasm"},
	"application/vnd.ms-fontobject": {"font", "шрифт", ".eot"},
	"font/ttf":                      {"font", "шрифт", ".ttf"},
	"font/otf":                      {"font", "шрифт", ".otf"},
	"font/woff":                     {"font", "шрифт", ".woff"},
	"font/woff2":                    {"font", "шрифт", ".woff2"},
	typeUnknown:                     {"file of unknown type", "файл неизвестного формата", ".bin"},
}

// Kind returns the English name of a detected media type for people:
// "JPEG", "PNG", "PDF", "ZIP archive", "Windows executable", "text file".
// A type it does not know is returned as it is.
func Kind(detected string) string {
	return kindIn("en", detected)
}

// kindIn names a media type in the language lang ("en" or "ru").
func kindIn(lang, detected string) string {
	k, ok := kinds[detected]
	switch {
	case !ok && lang == "ru":
		return "файл типа " + detected
	case !ok:
		return detected
	case lang == "ru":
		return k.ru
	}
	return k.en
}

// extension returns the filename extension, with its dot, for a detected
// media type.
func extension(detected string) string {
	if k, ok := kinds[detected]; ok {
		return k.ext
	}
	return ".bin"
}

// extensionFits reports whether the extension ext (with its dot, any case)
// is a usual one for the detected type.
func extensionFits(ext, detected string) bool {
	ext = strings.ToLower(ext)
	switch detected {
	case typeJPEG:
		return ext == ".jpg" || ext == ".jpeg" || ext == ".jpe" || ext == ".jfif"
	case typeTIFF:
		return ext == ".tif" || ext == ".tiff"
	}
	return ext == extension(detected)
}

// isImage reports whether a media type is a still image.
func isImage(detected string) bool {
	return strings.HasPrefix(detected, "image/")
}
