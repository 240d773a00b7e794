#include "equitas/forms/form_engine.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <set>

#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/util/spelling.hpp"
#include "equitas/wire/payload.hpp"

namespace equitas::forms {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxTextBytes = 10000;
constexpr std::size_t kMaxRepeatRows = 500;

// Built-in messages. Forms may override "required" and "constraint" per
// question with required_message and constraint_message.
struct Message {
  std::string_view key, en, fr, es, ru, ar, pt;
};
constexpr Message kMessages[] = {
    {"required", "This question is required.", "Cette question est obligatoire.",
     "Esta pregunta es obligatoria.", "Это обязательный вопрос.", "هذا السؤال إلزامي.",
     "Esta pergunta é obrigatória."},
    {"constraint", "This answer is not valid.", "Cette réponse n'est pas valide.",
     "Esta respuesta no es válida.", "Этот ответ недопустим.", "هذه الإجابة غير صالحة.",
     "Esta resposta não é válida."},
    {"not_relevant",
     "This question does not apply given the other answers, so it must be left empty.",
     "Cette question ne s'applique pas compte tenu des autres réponses : elle doit rester vide.",
     "Esta pregunta no corresponde según las demás respuestas, por lo que debe quedar vacía.",
     "С учётом других ответов этот вопрос не применяется и должен остаться пустым.",
     "لا ينطبق هذا السؤال بناءً على الإجابات الأخرى، لذا يجب تركه فارغًا.",
     "Esta pergunta não se aplica tendo em conta as outras respostas, pelo que tem de ficar "
     "vazia."},
    {"not_text", "The answer must be text.", "La réponse doit être du texte.",
     "La respuesta debe ser un texto.", "Ответ должен быть текстом.", "يجب أن تكون الإجابة نصًا.",
     "A resposta tem de ser um texto."},
    {"too_long", "The answer is too long.", "La réponse est trop longue.",
     "La respuesta es demasiado larga.", "Ответ слишком длинный.", "الإجابة طويلة جدًا.",
     "A resposta é demasiado longa."},
    {"not_integer", "The answer must be a whole number.", "La réponse doit être un nombre entier.",
     "La respuesta debe ser un número entero.", "Ответ должен быть целым числом.",
     "يجب أن تكون الإجابة عددًا صحيحًا.", "A resposta tem de ser um número inteiro."},
    {"not_decimal", "The answer must be a number.", "La réponse doit être un nombre.",
     "La respuesta debe ser un número.", "Ответ должен быть числом.", "يجب أن تكون الإجابة رقمًا.",
     "A resposta tem de ser um número."},
    {"not_date", "The answer must be a date (YYYY-MM-DD).",
     "La réponse doit être une date (AAAA-MM-JJ).", "La respuesta debe ser una fecha (AAAA-MM-DD).",
     "Ответ должен быть датой (ГГГГ-ММ-ДД).", "يجب أن تكون الإجابة تاريخًا (YYYY-MM-DD).",
     "A resposta tem de ser uma data (AAAA-MM-DD)."},
    {"not_time", "The answer must be a time of day (HH:MM).",
     "La réponse doit être une heure (HH:MM).", "La respuesta debe ser una hora (HH:MM).",
     "Ответ должен быть временем суток (ЧЧ:ММ).", "يجب أن تكون الإجابة وقتًا من اليوم (HH:MM).",
     "A resposta tem de ser uma hora do dia (HH:MM)."},
    {"not_datetime", "The answer must be a date and a time (YYYY-MM-DDTHH:MM).",
     "La réponse doit être une date et une heure (AAAA-MM-JJTHH:MM).",
     "La respuesta debe ser una fecha y una hora (AAAA-MM-DDTHH:MM).",
     "Ответ должен быть датой и временем (ГГГГ-ММ-ДДTЧЧ:ММ).",
     "يجب أن تكون الإجابة تاريخًا ووقتًا (YYYY-MM-DDTHH:MM).",
     "A resposta tem de ser uma data e uma hora (AAAA-MM-DDTHH:MM)."},
    {"not_geopoint",
     "The answer must be a location: latitude (-90 to 90) and longitude (-180 to 180) in degrees.",
     "La réponse doit être un lieu : latitude (-90 à 90) et longitude (-180 à 180) en degrés.",
     "La respuesta debe ser una ubicación: latitud (-90 a 90) y longitud (-180 a 180) en grados.",
     "Ответ должен быть местоположением: широта (от -90 до 90) и долгота (от -180 до 180) в "
     "градусах.",
     "يجب أن تكون الإجابة موقعًا: خط العرض (من -90 إلى 90) وخط الطول (من -180 إلى 180) بالدرجات.",
     "A resposta tem de ser um local: latitude (-90 a 90) e longitude (-180 a 180) em graus."},
    {"not_rank", "Put every choice in order, the first the one you prefer most.",
     "Classez tous les choix, le premier étant celui que vous préférez.",
     "Ordene todas las opciones, primero la que más prefiere.",
     "Расставьте все варианты по порядку, первым — самый предпочтительный.",
     "رتّب جميع الخيارات، بدءًا بالخيار الذي تفضّله أكثر.",
     "Ordene todas as opções, primeiro a que prefere mais."},
    {"not_geotrace",
     "The answer must be a line of at least 2 points separated by ';', each a latitude (-90 to 90) "
     "and a "
     "longitude (-180 to 180) in degrees.",
     "La réponse doit être une ligne d'au moins 2 points séparés par ';', chacun une latitude (-90 "
     "à 90) et une "
     "longitude (-180 à 180) en degrés.",
     "La respuesta debe ser una línea de al menos 2 puntos separados por ';', cada uno una latitud "
     "(-90 a 90) y "
     "una longitud (-180 a 180) en grados.",
     "Ответ должен быть линией не менее чем из 2 точек, разделённых ';': у каждой широта (от -90 "
     "до 90) и "
     "долгота (от -180 до 180) в градусах.",
     "يجب أن تكون الإجابة خطًا من نقطتين على الأقل تفصل بينها ';'، لكل نقطة خط عرض (من -90 إلى 90) "
     "وخط طول "
     "(من -180 إلى 180) بالدرجات.",
     "A resposta tem de ser uma linha de pelo menos 2 pontos separados por ';', cada um com "
     "latitude (-90 a 90) "
     "e longitude (-180 a 180) em graus."},
    {"not_geoshape",
     "The answer must be a shape of at least 4 points separated by ';', each a latitude (-90 to "
     "90) and a "
     "longitude (-180 to 180) in degrees.",
     "La réponse doit être une forme d'au moins 4 points séparés par ';', chacun une latitude (-90 "
     "à 90) et une "
     "longitude (-180 à 180) en degrés.",
     "La respuesta debe ser una forma de al menos 4 puntos separados por ';', cada uno una latitud "
     "(-90 a 90) y "
     "una longitud (-180 a 180) en grados.",
     "Ответ должен быть фигурой не менее чем из 4 точек, разделённых ';': у каждой широта (от -90 "
     "до 90) и "
     "долгота (от -180 до 180) в градусах.",
     "يجب أن تكون الإجابة شكلًا من 4 نقاط على الأقل تفصل بينها ';'، لكل نقطة خط عرض (من -90 إلى 90) "
     "وخط طول "
     "(من -180 إلى 180) بالدرجات.",
     "A resposta tem de ser uma forma de pelo menos 4 pontos separados por ';', cada um com "
     "latitude (-90 a 90) "
     "e longitude (-180 a 180) em graus."},
    {"open_geoshape", "The shape must be closed: its last point must be its first.",
     "La forme doit être fermée : son dernier point doit être le premier.",
     "La forma debe estar cerrada: su último punto debe ser el primero.",
     "Фигура должна быть замкнутой: её последняя точка должна совпадать с первой.",
     "يجب أن يكون الشكل مغلقًا: نقطته الأخيرة هي نقطته الأولى.",
     "A forma tem de ser fechada: o último ponto tem de ser o primeiro."},
    {"not_choice", "The answer must be one of the choices offered.",
     "La réponse doit être l'un des choix proposés.",
     "La respuesta debe ser una de las opciones ofrecidas.",
     "Ответ должен быть одним из предложенных вариантов.",
     "يجب أن تكون الإجابة أحد الخيارات المعروضة.",
     "A resposta tem de ser uma das opções apresentadas."},
    {"not_choices", "The answer must be a list of different choices from those offered.",
     "La réponse doit être une liste de choix différents parmi ceux proposés.",
     "La respuesta debe ser una lista de opciones distintas entre las ofrecidas.",
     "Ответ должен быть списком разных вариантов из предложенных.",
     "يجب أن تكون الإجابة قائمة من خيارات مختلفة من بين الخيارات المعروضة.",
     "A resposta tem de ser uma lista de opções diferentes de entre as apresentadas."},
    {"not_ack", "Please confirm.", "Veuillez confirmer.", "Por favor, confirme.",
     "Пожалуйста, подтвердите.", "يرجى التأكيد.", "Por favor, confirme."},
    {"no_answer", "This item takes no answer.", "Cet élément n'attend pas de réponse.",
     "Este elemento no admite respuesta.", "Этот элемент не требует ответа.",
     "هذا العنصر لا يقبل إجابة.", "Este elemento não admite resposta."},
    {"unknown", "There is no such question in this form.",
     "Ce formulaire ne contient pas cette question.", "Este formulario no contiene esa pregunta.",
     "В этой форме нет такого вопроса.", "لا يوجد هذا السؤال في هذا النموذج.",
     "Este formulário não contém essa pergunta."},
    // Appended to not_choice and not_choices; "{}" is the list of codes.
    // The choice an or_other question offers when its list has no "other"
    // (pyxform adds it to the list the same way).
    {"other_choice", "Other", "Autre", "Otro", "Другое", "أخرى", "Outro"},
    {"valid_codes", "Valid codes: {}.", "Codes valides : {}.", "Códigos válidos: {}.",
     "Допустимые коды: {}.", "الرموز الصالحة: {}.", "Códigos válidos: {}."},
    // After not_choice when a number was given that is one of the codes.
    {"quote_code", "Codes are text: write \"{}\", in quotes.",
     "Les codes sont du texte : écrivez \"{}\", entre guillemets.",
     "Los códigos son texto: escriba \"{}\", entre comillas.",
     "Коды — это текст: напишите \"{}\" в кавычках.", "الرموز نصوص: اكتب \"{}\" بين علامتي اقتباس.",
     "Os códigos são texto: escreva \"{}\", entre aspas."},
    // Appended to unknown when a question's name is close.
    {"did_you_mean", "Did you mean {}?", "Vouliez-vous dire {} ?", "¿Quiso decir {}?",
     "Возможно, вы имели в виду {}?", "هل تقصد {}؟", "Queria dizer {}?"},
    {"not_rows", "The answer must be a list of rows.", "La réponse doit être une liste de lignes.",
     "La respuesta debe ser una lista de filas.", "Ответ должен быть списком строк.",
     "يجب أن تكون الإجابة قائمة من الصفوف.", "A resposta tem de ser uma lista de linhas."},
    // Image, audio, video and file questions (forms/file_answer.hpp).
    {"not_files", "The attachment is not valid. Please attach the file again.",
     "La pièce jointe n'est pas valide. Veuillez joindre à nouveau le fichier.",
     "El archivo adjunto no es válido. Adjunte el archivo de nuevo.",
     "Вложение недействительно. Прикрепите файл ещё раз.",
     "المرفق غير صالح. يرجى إرفاق الملف مرة أخرى.",
     "O anexo não é válido. Anexe o ficheiro novamente."},
    // "{}" is the question's limit in megabytes.
    {"file_too_large", "The file is too large: at most {} MB.",
     "Le fichier est trop volumineux : {} Mo au plus.",
     "El archivo es demasiado grande: {} MB como máximo.", "Файл слишком большой: не более {} МБ.",
     "الملف كبير جدًا: الحد الأقصى {} ميغابايت.", "O ficheiro é demasiado grande: no máximo {} MB."},
    // "{}" is the media types the question accepts.
    {"file_type", "This kind of file is not accepted here. Accepted: {}.",
     "Ce type de fichier n'est pas accepté ici. Acceptés : {}.",
     "Este tipo de archivo no se acepta aquí. Aceptados: {}.",
     "Этот тип файла здесь не принимается. Допустимые: {}.",
     "هذا النوع من الملفات غير مقبول هنا. المقبول: {}.",
     "Este tipo de ficheiro não é aceite aqui. Aceites: {}."},
    // "{}" is the most files the question takes.
    {"too_many_files", "Too many files: at most {}.", "Trop de fichiers : {} au plus.",
     "Demasiados archivos: {} como máximo.", "Слишком много файлов: не более {}.",
     "عدد الملفات كبير جدًا: الحد الأقصى {}.", "Demasiados ficheiros: no máximo {}."},
};

// `tmpl` with its "{}" replaced by `value`.
std::string fill(std::string tmpl, std::string_view value) {
  if (const auto at = tmpl.find("{}"); at != std::string::npos) tmpl.replace(at, 2, value);
  return tmpl;
}

// A JSON number as a person would write it as a code: 4, 4.5, -1.
std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

// The names an answer object may use among `items` (groups looked into),
// for "did you mean": the questions that take an answer.
void answer_names(const std::vector<Item>& items, std::vector<std::string>& out) {
  for (const Item& it : items) {
    if (it.type == QuestionType::kGroup) {
      answer_names(it.items, out);
    } else if (it.type != QuestionType::kNote && it.type != QuestionType::kCalculate) {
      out.push_back(it.name);
    }
  }
}

// A file reference in a file question's answer (forms/file_answer.hpp).
bool is_file_ref(const json::object& o) {
  const json::value* id = o.if_contains("id");
  const json::value* hash = o.if_contains("sha256");
  return id != nullptr && id->is_string() && hash != nullptr && hash->is_string();
}

// How a file reads in an expression: its name, as ODK reads an image
// question as its file name; its id when it has no name, so that an
// answered question never reads as ''. Never the whole object: that holds
// the file's key while the answer is in transit.
std::string file_ref_text(const json::object& o) {
  const json::value* name = o.if_contains("name");
  if (name != nullptr && name->is_string() && !name->get_string().empty())
    return std::string(name->get_string());
  return std::string(o.at("id").get_string());
}

Value to_value(const json::value* v) {
  if (v == nullptr) return Value();
  switch (v->kind()) {
    case json::kind::string:
      return Value::str(std::string(v->get_string()));
    case json::kind::int64:
      return Value::num(static_cast<double>(v->get_int64()));
    case json::kind::uint64:
      return Value::num(static_cast<double>(v->get_uint64()));
    case json::kind::double_:
      return Value::num(v->get_double());
    case json::kind::bool_:
      return Value::boolean(v->get_bool());
    case json::kind::array: {
      // A multiple choice answer reads as its codes separated by spaces, a
      // file question's as its files' names.
      std::string s;
      for (const auto& e : v->get_array()) {
        if (!s.empty()) s += ' ';
        if (e.is_string()) {
          s += e.get_string();
        } else if (e.is_object() && is_file_ref(e.get_object())) {
          s += file_ref_text(e.get_object());
        } else {
          s += json::serialize(e);
        }
      }
      return Value::str(s);
    }
    default:
      return Value();
  }
}

// `bytes` in megabytes (of 1,048,576 bytes), rounded down to a tenth so as
// never to promise more than the limit, as `lang` writes them: "10", "0,5"
// in French.
std::string megabytes(std::int64_t bytes, const std::string& lang) {
  const std::int64_t tenths = std::max<std::int64_t>(1, bytes * 10 / 1048576);
  std::string out = std::to_string(tenths / 10);
  if (tenths % 10 != 0) {
    const bool comma = lang == "fr" || lang == "es" || lang == "ru" || lang == "pt";
    out += (comma ? "," : ".") + std::to_string(tenths % 10);
  }
  return out;
}

bool is_blank(const json::value& v) {
  return v.is_null() || (v.is_string() && v.get_string().empty()) ||
         (v.is_array() && v.get_array().empty());
}

// "HH:MM", then ":SS", ".fff", and "Z" or "+hh:mm" optional (XForms time).
bool valid_time(std::string_view s) {
  const auto two = [&](std::size_t i, int max) {
    return i + 2 <= s.size() && std::isdigit(static_cast<unsigned char>(s[i])) &&
           std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
           (s[i] - '0') * 10 + (s[i + 1] - '0') <= max;
  };
  if (!two(0, 23) || s.size() < 5 || s[2] != ':' || !two(3, 59)) return false;
  std::size_t i = 5;
  if (i < s.size() && s[i] == ':') {
    if (!two(i + 1, 59)) return false;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      const std::size_t start = ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i == start || i - start > 9) return false;
    }
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  return (s[i] == '+' || s[i] == '-') && s.size() == i + 6 && two(i + 1, 14) && s[i + 3] == ':' &&
         two(i + 4, 59);
}

bool valid_date(std::string_view s);

bool valid_datetime(std::string_view s) {
  return s.size() > 11 && s[10] == 'T' && valid_date(s.substr(0, 10)) && valid_time(s.substr(11));
}

// The numbers of "lat lon [alt [accuracy]]" (the XForms geopoint), or
// nothing unless the degrees are in range, the metres finite and the
// accuracy not negative.
std::optional<std::vector<double>> geopoint_numbers(std::string_view s) {
  std::vector<double> n;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) break;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    const std::string_view word = s.substr(start, i - start);
    double d = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), d);
    if (ec != std::errc() || end != word.data() + word.size() || !std::isfinite(d) || n.size() == 4)
      return {};
    n.push_back(d);
  }
  const bool ok = n.size() >= 2 && n[0] >= -90 && n[0] <= 90 && n[1] >= -180 && n[1] <= 180 &&
                  (n.size() < 4 || n[3] >= 0);
  if (!ok) return {};
  return n;
}

bool valid_geopoint(std::string_view s) { return geopoint_numbers(s).has_value(); }

// The points of a geotrace or geoshape: geopoints joined by ';', spaces
// around each tolerated and one ';' after the last allowed (ODK Collect
// writes one). Nothing when any part is not a point.
std::optional<std::vector<std::vector<double>>> geopoint_list(std::string_view s) {
  const std::size_t end = s.find_last_not_of(' ');
  if (end != std::string_view::npos && s[end] == ';') s = s.substr(0, end);
  std::vector<std::vector<double>> points;
  for (;;) {
    const std::size_t semi = s.find(';');
    auto point = geopoint_numbers(s.substr(0, semi));
    if (!point) return {};
    points.push_back(std::move(*point));
    if (semi == std::string_view::npos) return points;
    s.remove_prefix(semi + 1);
  }
}

// A line of 2 points or more.
std::string_view geotrace_problem(std::string_view s) {
  const auto points = geopoint_list(s);
  return points && points->size() >= 2 ? "" : "not_geotrace";
}

// A ring of 4 points or more, closed as ODK Collect closes one: its last
// point is its first. Latitude and longitude decide that, as a second
// reading at the same place may report another altitude or accuracy.
std::string_view geoshape_problem(std::string_view s) {
  const auto points = geopoint_list(s);
  if (!points || points->size() < 4) return "not_geoshape";
  const auto& first = points->front();
  const auto& last = points->back();
  return first[0] == last[0] && first[1] == last[1] ? "" : "open_geoshape";
}

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  for (std::size_t i : {0u, 1u, 2u, 3u}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    y = y * 10 + (s[i] - '0');
  }
  for (std::size_t i : {5u, 6u}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    m = m * 10 + (s[i] - '0');
  }
  for (std::size_t i : {8u, 9u}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    d = d * 10 + (s[i] - '0');
  }
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// The answers an expression sees: those of the current repeat row first,
// then the form's. `form` (optional) gives instance(), jr:choice-name() and
// which questions sit inside repeats; `clock`, now().
class Ctx final : public EvalContext {
 public:
  Ctx(const json::object& answers, const json::object* row, const std::string& today,
      const Clock& clock, const Form* form = nullptr, const std::string* language = nullptr,
      double position = 0)
      : answers_(answers),
        row_(row),
        today_(today),
        clock_(clock),
        form_(form),
        language_(language),
        position_(position) {}

  Value ref(std::string_view name) const override {
    if (row_ != nullptr) {
      if (const json::value* v = row_->if_contains(name)) return to_value(v);
    }
    return to_value(answers_.if_contains(name));
  }
  Value current() const override { return current_; }
  Value bare(std::string_view name) const override {
    if (choice_ == nullptr) return Value();
    if (name == "name") return Value::str(choice_->name);
    auto it = choice_->filters.find(std::string(name));
    return it == choice_->filters.end() ? Value() : Value::str(it->second);
  }
  std::vector<std::string> all(std::string_view name) const override {
    if (row_ != nullptr) {
      if (const json::value* v = row_->if_contains(name)) return {to_value(v).to_string()};
    }
    if (const json::value* v = answers_.if_contains(name)) {
      if (v->is_array() && is_repeat(name)) return std::vector<std::string>(v->get_array().size());
      return {to_value(v).to_string()};
    }
    std::vector<std::string> out;
    collect_rows(answers_, name, out);
    // A question outside repeats that has no answer is one empty node; one
    // inside a repeat without rows is no node at all.
    if (out.empty() && !in_repeat(name)) out.emplace_back();
    return out;
  }
  double count(std::string_view name) const override {
    const json::value* v = row_ != nullptr ? row_->if_contains(name) : nullptr;
    if (v == nullptr) v = answers_.if_contains(name);
    if (is_repeat(name) || (form_ == nullptr && v != nullptr && v->is_array())) {
      return v != nullptr && v->is_array() ? static_cast<double>(v->get_array().size())
                                           : 0;  // its rows
    }
    return static_cast<double>(all(name).size());
  }
  Value indexed(std::string_view name, std::string_view repeat, std::size_t index) const override {
    const json::value* rows = answers_.if_contains(repeat);
    if (rows == nullptr || !rows->is_array() || index == 0 || index > rows->get_array().size())
      return Value();
    const json::value& row = rows->get_array()[index - 1];
    return row.is_object() ? to_value(row.get_object().if_contains(name)) : Value();
  }
  double position() const override { return position_; }
  const ChoiceList* instance(std::string_view id) const override {
    if (form_ == nullptr) return nullptr;
    auto it = form_->lists.find(std::string(id));
    return it == form_->lists.end() ? nullptr : &it->second;
  }
  std::string choice_label(std::string_view question, std::string_view value) const override {
    const Item* it = form_ != nullptr ? form_->find(question) : nullptr;
    const ChoiceList* list = it != nullptr ? form_->list_for(*it) : nullptr;
    const Choice* c = list != nullptr ? list->find(value) : nullptr;
    if (c == nullptr) return {};
    return c->label.get(language_ != nullptr ? *language_ : form_->default_language,
                        form_->default_language);
  }
  std::string today() const override { return today_; }
  std::string now() const override { return iso8601_utc(clock_.now()); }
  std::string uuid() const override {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
      out += kHex[b[i] >> 4];
      out += kHex[b[i] & 15];
    }
    return out;
  }
  double random() const override {
    return randombytes_uniform(1u << 30) / static_cast<double>(1u << 30);
  }

  void set_current(Value v) { current_ = std::move(v); }
  void set_choice(const Choice* c) { choice_ = c; }

 private:
  bool is_repeat(std::string_view name) const {
    const Item* it = form_ != nullptr ? form_->find(name) : nullptr;
    return it != nullptr && it->type == QuestionType::kRepeat;
  }
  bool in_repeat(std::string_view name) const {
    if (form_ == nullptr) return false;
    bool inside = false;
    form_->walk([&](const Item& it, const std::vector<const Item*>& parents) {
      if (it.name != name) return true;
      for (const Item* p : parents) inside = inside || p->type == QuestionType::kRepeat;
      return false;
    });
    return inside;
  }
  // The answers to `name` in every row of every repeat under `scope`.
  static void collect_rows(const json::object& scope, std::string_view name,
                           std::vector<std::string>& out) {
    for (const auto& kv : scope) {
      if (!kv.value().is_array()) continue;
      for (const auto& row : kv.value().get_array()) {
        if (!row.is_object() || is_file_ref(row.get_object())) continue;  // files are not rows
        if (const json::value* v = row.get_object().if_contains(name)) {
          out.push_back(to_value(v).to_string());
        } else {
          collect_rows(row.get_object(), name, out);
        }
      }
    }
  }

  const json::object& answers_;
  const json::object* row_;
  const std::string& today_;
  const Clock& clock_;
  const Form* form_;
  const std::string* language_;
  double position_;
  Value current_;
  const Choice* choice_ = nullptr;
};

class Evaluator {
 public:
  Evaluator(const Form& form, json::object& answers, const EvalOptions& opt)
      : form_(form), answers_(answers), opt_(opt) {
    if (opt_.today.empty()) {
      opt_.today = iso8601_utc(opt_.clock->now()).substr(0, 10);  // the UTC day
    }
  }

  Evaluation run() {
    compute_calculations(form_.items, answers_, nullptr);
    check_unknown_keys(form_.items, answers_, "");
    visit(form_.items, true, nullptr, "");
    return std::move(out_);
  }

 private:
  std::string msg(std::string_view key) const { return builtin_message(key, opt_.language); }
  std::string text(const LangText& t, std::string_view fallback_key) const {
    const std::string& s = t.get(opt_.language, form_.default_language);
    return s.empty() ? msg(fallback_key) : s;
  }
  void error(const std::string& path, std::string message) {
    if (opt_.record_states) out_.items[path].error = message;
    out_.errors.push_back({path, std::move(message)});
  }

  // Calculations may depend on each other: evaluate in document order until
  // nothing changes (at most a few passes; cycles simply stop changing).
  void compute_calculations(const std::vector<Item>& items, json::object& scope,
                            const json::object* row) {
    for (int pass = 0; pass < 4; ++pass) {
      bool changed = false;
      calc_pass(items, scope, row, changed);
      if (!changed) break;
    }
  }

  void calc_pass(const std::vector<Item>& items, json::object& scope, const json::object* row,
                 bool& changed, double position = 0) {
    for (const Item& it : items) {
      if (it.type == QuestionType::kGroup) {
        calc_pass(it.items, scope, row, changed, position);
      } else if (it.type == QuestionType::kRepeat) {
        json::value* rows = scope.if_contains(it.name);
        if (rows == nullptr || !rows->is_array()) continue;
        double row_number = 0;
        for (auto& r : rows->get_array()) {
          ++row_number;
          if (r.is_object())
            calc_pass(it.items, r.get_object(), &r.get_object(), changed, row_number);
        }
      } else if (it.type == QuestionType::kCalculate && it.calculation.present()) {
        Ctx ctx(answers_, row, opt_.today, *opt_.clock, &form_, &opt_.language, position);
        json::value* old = scope.if_contains(it.name);
        // once() keeps the value the calculation already has.
        ctx.set_current(old != nullptr && !is_blank(*old) ? to_value(old) : Value());
        const std::string v = it.calculation.expr->eval(ctx).to_string();
        if (old == nullptr || !old->is_string() || old->get_string() != v) {
          scope[it.name] = v;
          changed = true;
        }
      }
    }
  }

  // Whether `key` names an answer among `items` (groups looked into): a
  // plain search, cheaper than building a set for the few keys an answer
  // object has.
  static bool is_answer_name(const std::vector<Item>& items, std::string_view key) {
    for (const Item& it : items) {
      if (it.type == QuestionType::kGroup) {
        if (is_answer_name(it.items, key)) return true;
        continue;
      }
      if (key == it.name) return true;
      if (it.or_other && key.size() == it.name.size() + 6 &&
          key.substr(0, it.name.size()) == it.name && key.substr(it.name.size()) == "_other") {
        return true;
      }
    }
    return false;
  }

  void check_unknown_keys(const std::vector<Item>& items, const json::object& scope,
                          const std::string& prefix) {
    if (!opt_.strict && !opt_.partial) return;
    for (const auto& kv : scope) {
      const std::string_view key(kv.key().data(), kv.key().size());
      if (is_answer_name(items, key)) continue;
      std::string message = msg("unknown");
      std::vector<std::string> names;
      answer_names(items, names);
      if (const auto near = closest_names(key, names); !near.empty()) {
        std::string list;
        for (const auto& n : near) list += (list.empty() ? "" : ", ") + n;
        message += " " + fill(msg("did_you_mean"), list);
      }
      error(prefix + std::string(key), std::move(message));
    }
  }

  // For not_choice and not_choices: the codes that would have been accepted
  // and, when the answer holds a number that is one of them, how to write it.
  std::string choice_message(const Item& it, const json::value& v, std::string_view key, Ctx& ctx) {
    constexpr std::size_t kMaxListed = 20;
    std::vector<std::string> codes;
    if (const ChoiceList* list = form_.list_for(it)) {
      for (const Choice& c : list->choices) {
        if (allowed_choice(it, c, ctx)) codes.push_back(c.name);
      }
    }
    if (it.or_other) codes.push_back("other");
    std::string message = msg(key);
    if (codes.empty()) return message;
    std::string listed;
    for (std::size_t i = 0; i < codes.size() && i < kMaxListed; ++i)
      listed += (i == 0 ? "" : ", ") + codes[i];
    if (codes.size() > kMaxListed) listed += ", …";
    message += " " + fill(msg("valid_codes"), listed);
    std::vector<const json::value*> given{&v};
    if (v.is_array()) {
      given.clear();
      for (const auto& e : v.get_array()) given.push_back(&e);
    }
    for (const json::value* g : given) {
      if (!g->is_number()) continue;
      const std::string text = number_text(*g);
      if (std::find(codes.begin(), codes.end(), text) != codes.end()) {
        message += " " + fill(msg("quote_code"), text);
        break;
      }
    }
    return message;
  }

  bool allowed_choice(const Item& it, const Choice& c, Ctx& ctx) {
    if (!it.choice_filter.present()) return true;
    ctx.set_choice(&c);
    const bool ok = it.choice_filter.expr->eval(ctx).to_bool();
    ctx.set_choice(nullptr);
    return ok;
  }

  // The choices `it` offers now, in the list's order; or_other's "other"
  // whatever the filter keeps, at the end when the list has none.
  std::vector<std::string> allowed_names(const Item& it, const ChoiceList* list, Ctx& ctx) {
    std::vector<std::string> names;
    if (list != nullptr) {
      for (const Choice& c : list->choices) {
        if (allowed_choice(it, c, ctx)) names.push_back(c.name);
      }
    }
    if (it.or_other && std::find(names.begin(), names.end(), "other") == names.end())
      names.push_back("other");
    return names;
  }

  // The choices `it` offers now, in the order to show them: a randomized
  // list shuffled, with or_other's "other" kept last.
  std::vector<std::string> offered_choices(const Item& it, const std::string& path, Ctx& ctx) {
    std::vector<std::string> offered = allowed_names(it, form_.list_for(it), ctx);
    if (!it.randomize) return offered;
    if (it.or_other) offered.erase(std::find(offered.begin(), offered.end(), "other"));
    shuffle_seeded(offered, choice_seed(it, path, ctx));
    if (it.or_other) offered.push_back("other");
    return offered;
  }

  // The seed of a randomized select: its own (an expression, often a
  // calculate's once(random())), else one made from the draft's and the
  // question's path, so two questions on one list get different orders.
  double choice_seed(const Item& it, const std::string& path, Ctx& ctx) {
    if (it.seed.present()) {
      const Value v = it.seed.expr->eval(ctx);
      if (!v.is_empty() && !std::isnan(v.to_number())) return v.to_number();
    }
    if (opt_.draft_seed == 0) return std::floor(ctx.random() * 2147483647.0);
    std::uint32_t h = opt_.draft_seed;  // FNV-1a over the path, from the draft's seed
    for (const char c : path) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return static_cast<double>(h & 0x7fffffffu);
  }

  bool valid_choice(const Item& it, const ChoiceList* list, const std::string& code, Ctx& ctx) {
    if (it.or_other && code == "other") return true;
    if (list == nullptr) return false;
    if (!form_.allow_choice_duplicates) {
      const Choice* c = list->find(code);
      return c != nullptr && allowed_choice(it, *c, ctx);
    }
    for (const Choice& c : list->choices) {
      if (c.name == code && allowed_choice(it, c, ctx)) return true;
    }
    return false;
  }

  // Type and choice checks; returns the error key or "".
  std::string_view check_type(const Item& it, const json::value& v, Ctx& ctx) {
    const ChoiceList* list = form_.list_for(it);
    switch (it.type) {
      case QuestionType::kText:
      case QuestionType::kBarcode:
        if (!v.is_string()) return "not_text";
        if (v.get_string().size() > kMaxTextBytes) return "too_long";
        return "";
      case QuestionType::kInteger:
        if (v.is_int64() || v.is_uint64()) return "";
        if (v.is_double() && std::floor(v.get_double()) == v.get_double() &&
            std::fabs(v.get_double()) < 1e15)
          return "";
        return "not_integer";
      case QuestionType::kDecimal:
        return v.is_number() && std::isfinite(v.to_number<double>()) ? "" : "not_decimal";
      case QuestionType::kDate:
        return v.is_string() && valid_date(v.get_string()) ? "" : "not_date";
      case QuestionType::kTime:
        return v.is_string() && valid_time(v.get_string()) ? "" : "not_time";
      case QuestionType::kDateTime:
        return v.is_string() && valid_datetime(v.get_string()) ? "" : "not_datetime";
      case QuestionType::kGeopoint:
        return v.is_string() && valid_geopoint(v.get_string()) ? "" : "not_geopoint";
      case QuestionType::kGeotrace:
        return v.is_string() ? geotrace_problem(v.get_string()) : "not_geotrace";
      case QuestionType::kGeoshape:
        return v.is_string() ? geoshape_problem(v.get_string()) : "not_geoshape";
      case QuestionType::kSelectOne:
      case QuestionType::kLikert:
        return v.is_string() && valid_choice(it, list, std::string(v.get_string()), ctx)
                   ? ""
                   : "not_choice";
      case QuestionType::kSelectMultiple: {
        if (!v.is_array()) return "not_choices";
        std::set<std::string> seen;
        for (const auto& e : v.get_array()) {
          if (!e.is_string()) return "not_choices";
          const std::string code(e.get_string());
          if (!seen.insert(code).second || !valid_choice(it, list, code, ctx)) return "not_choices";
        }
        if (it.rank && seen.size() != allowed_names(it, list, ctx).size()) return "not_rank";
        return "";
      }
      case QuestionType::kAcknowledge:
        return (v.is_bool() && v.get_bool()) || (v.is_string() && v.get_string() == "OK")
                   ? ""
                   : "not_ack";
      case QuestionType::kImage:
      case QuestionType::kAudio:
      case QuestionType::kVideo:
      case QuestionType::kFile:
        // Stored answers have no key (the server moved it out): the key is
        // checked where an answer is in transit.
        return parse_file_answer(v, it, /*key_required=*/false).is_ok() ? "" : file_problem(it, v);
      default:
        return "";
    }
  }

  // Which message an invalid file answer gets: the limits a respondent can
  // act on first; anything else is a damaged answer, to attach again.
  static std::string_view file_problem(const Item& it, const json::value& v) {
    if (!v.is_array()) return "not_files";
    if (v.get_array().size() > static_cast<std::size_t>(std::max(it.file.max_files, 1)))
      return "too_many_files";
    const std::vector<std::string> accepted = accepted_types(it);
    for (const auto& e : v.get_array()) {
      const json::value* size = e.is_object() ? e.get_object().if_contains("size") : nullptr;
      if (size != nullptr &&
          (size->is_uint64() || (size->is_int64() && size->get_int64() > max_file_bytes(it)))) {
        return "file_too_large";
      }
      const json::value* type = e.is_object() ? e.get_object().if_contains("type") : nullptr;
      if (type != nullptr && type->is_string() && !type->get_string().empty() &&
          !type_accepted(type->get_string(), accepted)) {
        return "file_type";
      }
    }
    return "not_files";
  }

  // The message for `key` about `it`, with the question's limit filled in.
  std::string file_message(const Item& it, std::string_view key) const {
    if (key == "too_many_files")
      return fill(msg(key), std::to_string(std::max(it.file.max_files, 1)));
    if (key == "file_too_large")
      return fill(msg(key), megabytes(max_file_bytes(it), opt_.language));
    if (key == "file_type") {
      std::string listed;
      for (const auto& a : accepted_types(it)) listed += (listed.empty() ? "" : ", ") + a;
      return fill(msg(key), listed);
    }
    return msg(key);
  }

  void visit(const std::vector<Item>& items, bool parent_relevant, json::object* row,
             const std::string& prefix, double position = 0) {
    json::object& scope = row != nullptr ? *row : answers_;
    for (const Item& it : items) {
      const std::string path = prefix + it.name;
      json::value* ans = scope.if_contains(it.name);
      const bool answered = ans != nullptr && !is_blank(*ans);
      Ctx ctx(answers_, row, opt_.today, *opt_.clock, &form_, &opt_.language, position);
      ctx.set_current(answered ? to_value(ans) : Value());

      ItemState st;
      st.relevant =
          parent_relevant && (!it.relevant.present() || it.relevant.expr->eval(ctx).to_bool());
      st.required =
          st.relevant && (it.required_always ||
                          (it.required_if.present() && it.required_if.expr->eval(ctx).to_bool()));
      if (opt_.record_states) out_.items[path] = st;

      if (opt_.record_states && it.is_select() && (it.choice_filter.present() || it.randomize) &&
          st.relevant) {
        out_.choices[path] = offered_choices(it, path, ctx);
      }

      switch (it.type) {
        case QuestionType::kGroup:
          visit(it.items, st.relevant, row, prefix, position);
          continue;
        case QuestionType::kCalculate:
          if (answered && opt_.record_states) out_.calculated[path] = to_value(ans).to_string();
          continue;
        case QuestionType::kNote:
          if (answered && opt_.strict) error(path, msg("no_answer"));
          continue;
        case QuestionType::kRepeat:
          visit_repeat(it, st, ans, answered, path);
          // A repeat's constraint is on its rows as a whole (an imported
          // repeat_count is count(${repeat}) = N).
          if (st.relevant && it.constraint.present() && (answered || opt_.strict) &&
              !it.constraint.expr->eval(ctx).to_bool()) {
            error(path, text(it.constraint_message, "constraint"));
          }
          continue;
        default:
          break;
      }

      if (!st.relevant) {
        if (answered && opt_.strict) error(path, msg("not_relevant"));
        continue;
      }
      if (!answered) {
        if (st.required && opt_.strict) error(path, text(it.required_message, "required"));
        continue;
      }
      if (const std::string_view bad = check_type(it, *ans, ctx); !bad.empty()) {
        if (bad == "not_choice" || bad == "not_choices") {
          error(path, choice_message(it, *ans, bad, ctx));
        } else if (is_file_question(it)) {
          error(path, file_message(it, bad));
        } else {
          error(path, msg(bad));
        }
        continue;
      }
      if (it.constraint.present() && !it.constraint.expr->eval(ctx).to_bool()) {
        error(path, text(it.constraint_message, "constraint"));
      }
    }
  }

  void visit_repeat(const Item& it, const ItemState& st, json::value* ans, bool answered,
                    const std::string& path) {
    if (!answered) {
      if (st.required && opt_.strict) error(path, text(it.required_message, "required"));
      return;
    }
    if (!st.relevant) {
      if (opt_.strict) error(path, msg("not_relevant"));
      return;
    }
    if (!ans->is_array() || ans->get_array().size() > kMaxRepeatRows) {
      error(path, msg("not_rows"));
      return;
    }
    auto& rows = ans->get_array();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::string row_prefix = path + "[" + std::to_string(i) + "].";
      if (!rows[i].is_object()) {
        error(path + "[" + std::to_string(i) + "]", msg("not_rows"));
        continue;
      }
      check_unknown_keys(it.items, rows[i].get_object(), row_prefix);
      visit(it.items, true, &rows[i].get_object(), row_prefix, static_cast<double>(i + 1));
    }
  }

  const Form& form_;
  json::object& answers_;
  EvalOptions opt_;
  Evaluation out_;
};

}  // namespace

std::string builtin_message(std::string_view key, const std::string& lang) {
  for (const auto& m : kMessages) {
    if (m.key != key) continue;
    if (lang == "fr") return std::string(m.fr);
    if (lang == "es") return std::string(m.es);
    if (lang == "ru") return std::string(m.ru);
    if (lang == "ar") return std::string(m.ar);
    if (lang == "pt") return std::string(m.pt);
    return std::string(m.en);
  }
  return std::string(key);
}

Evaluation evaluate(const Form& form, json::object& answers, const EvalOptions& options) {
  if (options.partial && options.strict) {
    EvalOptions partial = options;
    partial.strict = false;
    return Evaluator(form, answers, partial).run();
  }
  return Evaluator(form, answers, options).run();
}

bool conditions_hold(const std::vector<const Expr*>& conditions, const json::object& answers,
                     const std::string& today, const Clock& clock) {
  const Ctx ctx(answers, nullptr, today, clock);
  return std::all_of(conditions.begin(), conditions.end(),
                     [&](const Expr* e) { return e->eval(ctx).to_bool(); });
}

std::string format_errors(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "\n";
    out += e.path + ": " + e.message;
  }
  return out;
}

}  // namespace equitas::forms
