#include "code_sheet.hpp"

#include "equitas/util/html.hpp"
#include "equitas/util/qr_svg.hpp"
#include "equitas/wire/response_codes.hpp"

namespace equitas::server {
namespace {

// What a slip says, per language: a heading, how to use the code, and what
// it does not say about its holder (true: codes are handed out at random;
// docs/security.md says what an operator with the database could link).
struct SlipText {
  std::string_view lang, heading, use, promise;
};
constexpr SlipText kSlipTexts[] = {
    {"en", "Response code", "Type this code when the survey asks for it. It works once.",
     "Codes are handed out at random, so the code does not say who you are."},
    {"fr", "Code de réponse",
     "Saisissez ce code lorsque l'enquête le demande. Il ne sert qu'une fois.",
     "Les codes sont distribués au hasard : le code ne dit pas qui vous êtes."},
    {"es", "Código de respuesta",
     "Escriba este código cuando la encuesta se lo pida. Solo sirve una vez.",
     "Los códigos se reparten al azar: el código no dice quién es usted."},
    {"pt", "Código de resposta",
     "Escreva este código quando o inquérito o pedir. Só serve uma vez.",
     "Os códigos são distribuídos ao acaso: o código não diz quem é."},
    {"ru", "Код для ответа", "Введите этот код, когда анкета его запросит. Он действует один раз.",
     "Коды раздаются случайным образом, поэтому код не говорит, кто вы."},
    {"ar", "رمز الإجابة", "اكتب هذا الرمز عندما يطلبه الاستبيان. يصلح لمرة واحدة فقط.",
     "توزَّع الرموز عشوائيًا، لذلك لا يكشف الرمز هويتك."},
};

// The form's languages that a slip has words for, the default first.
std::vector<const SlipText*> slip_languages(const forms::Form& form) {
  std::vector<std::string> wanted{form.default_language};
  for (const auto& l : form.languages) {
    if (l != form.default_language) wanted.push_back(l);
  }
  std::vector<const SlipText*> out;
  for (const auto& l : wanted) {
    for (const auto& t : kSlipTexts) {
      if (t.lang == l) out.push_back(&t);
    }
  }
  if (out.empty()) out.push_back(&kSlipTexts[0]);
  return out;
}

constexpr std::string_view kStyle =
    "@page{size:A4;margin:10mm}"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0;color:#000}"
    ".sheet{display:grid;grid-template-columns:1fr 1fr;gap:0}"
    ".slip{border:1px dashed #888;padding:4mm;break-inside:avoid;page-break-inside:avoid;"
    "display:grid;grid-template-columns:26mm 1fr;gap:3mm;align-items:start}"
    ".slip svg{width:26mm;height:26mm}"
    ".code{font-family:'DejaVu Sans "
    "Mono',monospace;font-size:15pt;font-weight:bold;letter-spacing:.05em;"
    "white-space:nowrap}"
    ".survey{font-size:8pt;margin:0 0 1mm}"
    ".lang{font-size:7pt;margin:1mm 0 0}"
    ".lang b{font-size:7.5pt}"
    "header{font-size:9pt;margin:0 0 3mm}"
    "@media print{header{display:none}}";

}  // namespace

Result<std::string> code_sheet_html(const forms::Form& form, std::string_view round,
                                    const std::vector<std::string>& codes) {
  const auto langs = slip_languages(form);
  // The survey's title in its default language (the slip's instructions
  // are in every language; six titles would crowd out the code).
  std::string survey = html_escape(form.title.get(form.default_language, form.default_language));
  if (!round.empty()) survey += " · " + html_escape(round);
  std::string html;
  html.reserve(codes.size() * 4000 + 4096);
  html +=
      "<!doctype html><html lang=\"" + html_escape(langs.front()->lang) +
      "\"><head><meta charset=\"utf-8\">"
      "<title>" +
      html_escape(form.id) + " response codes</title><style>" + std::string(kStyle) +
      "</style></head><body><header>" + std::to_string(codes.size()) + " response codes for " +
      survey +
      ". Cut along the dashed lines and hand the slips out at random. Keep this sheet locked away "
      "until then, and destroy what is left over.</header><main class=\"sheet\">";
  for (const auto& code : codes) {
    EQ_ASSIGN_OR_RETURN(std::string qr, qr_svg(code));
    html += "<section class=\"slip\">" + qr + "<div><p class=\"survey\">" + survey +
            "</p><p class=\"code\">" + format_response_code(code) + "</p>";
    for (const auto* l : langs) {
      const bool rtl = l->lang == "ar";
      html += "<p class=\"lang\" lang=\"" + std::string(l->lang) + "\"" +
              (rtl ? " dir=\"rtl\"" : "") + "><b>" + std::string(l->heading) + ".</b> " +
              std::string(l->use) + " " + std::string(l->promise) + "</p>";
    }
    html += "</div></section>";
  }
  html += "</main></body></html>\n";
  return html;
}

std::string code_sheet_csv(const std::vector<std::string>& codes) {
  std::string out = "code\r\n";
  for (const auto& c : codes) out += format_response_code(c) + "\r\n";
  return out;
}

}  // namespace equitas::server
