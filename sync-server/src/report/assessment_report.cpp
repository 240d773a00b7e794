#include "assessment_report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "assessment_view.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/util/html.hpp"
#include "equitas/wire/payload.hpp"
#include "file_store.hpp"

namespace equitas::server {
namespace json = boost::json;
namespace {

// The report's own words, per language (the form gives the rest).
struct Phrase {
  std::string_view key, en, fr, es, ru, ar, pt;
};
constexpr Phrase kPhrases[] = {
    {"title", "Gender equality and diversity self-assessment",
     "Auto-évaluation de l'égalité des genres et de la diversité",
     "Autoevaluación de la igualdad de género y la diversidad",
     "Самооценка в области гендерного равенства и многообразия",
     "التقييم الذاتي للمساواة بين الجنسين والتنوع",
     "Autoavaliação da igualdade de género e diversidade"},
    {"scope", "Scope", "Périmètre", "Alcance", "Охват", "النطاق", "Âmbito"},
    {"administration", "Administration", "Administration", "Administración", "Администрация",
     "الإدارة", "Administração"},
    {"round", "Round", "Cycle", "Ronda", "Этап", "الجولة", "Ciclo"},
    {"period", "Period", "Période", "Periodo", "Период", "الفترة", "Período"},
    {"to", "to", "au", "a", "—", "إلى", "a"},
    {"team", "Team (units that contributed)", "Équipe (unités ayant contribué)",
     "Equipo (unidades que contribuyeron)", "Группа (подразделения, внёсшие вклад)",
     "الفريق (الوحدات المساهِمة)", "Equipa (unidades que contribuíram)"},
    {"sites", "Sites", "Sites", "Lugares", "Объекты", "المواقع", "Locais"},
    {"state", "State", "État", "Estado", "Состояние", "الحالة", "Estado"},
    {"draft", "draft", "brouillon", "borrador", "черновик", "مسودة", "rascunho"},
    {"under_review", "under review", "en revue", "en revisión", "на проверке", "قيد المراجعة",
     "em revisão"},
    {"validated", "validated", "validée", "validada", "утверждена", "معتمد", "validada"},
    {"official", "Official scores", "Scores officiels", "Puntuaciones oficiales",
     "Официальные баллы", "درجات رسمية", "Pontuações oficiais"},
    {"provisional", "Provisional scores: the assessment is not validated yet.",
     "Scores provisoires : l'évaluation n'est pas encore validée.",
     "Puntuaciones provisionales: la evaluación aún no está validada.",
     "Предварительные баллы: оценка ещё не утверждена.", "درجات مؤقتة: لم يُعتمد التقييم بعد.",
     "Pontuações provisórias: a avaliação ainda não está validada."},
    {"scores", "Scores and coverage", "Scores et couverture", "Puntuaciones y cobertura",
     "Баллы и охват", "الدرجات والتغطية", "Pontuações e cobertura"},
    {"overall", "Overall", "Ensemble", "Global", "В целом", "الإجمالي", "Global"},
    {"principle", "Principle", "Principe", "Principio", "Принцип", "المبدأ", "Princípio"},
    {"element", "Key element", "Élément clé", "Elemento clave", "Ключевой элемент",
     "العنصر الرئيسي", "Elemento-chave"},
    {"score", "Score", "Score", "Puntuación", "Балл", "الدرجة", "Pontuação"},
    {"coverage", "Coverage", "Couverture", "Cobertura", "Охват", "التغطية", "Cobertura"},
    {"incomplete", "incomplete", "incomplet", "incompleta", "неполный", "غير مكتمل", "incompleta"},
    {"rule",
     "Score: points obtained over the maximum, on the indicators rated. Coverage: indicators rated "
     "over those that "
     "apply; \"don't know\" and open disagreements count as not yet rated. Under 80 % coverage a "
     "score is incomplete.",
     "Score : points obtenus sur le maximum, pour les indicateurs évalués. Couverture : "
     "indicateurs évalués sur ceux "
     "qui s'appliquent ; « je ne sais pas » et les désaccords ouverts comptent comme non évalués. "
     "Sous 80 % de "
     "couverture, un score est incomplet.",
     "Puntuación: puntos obtenidos sobre el máximo, en los indicadores evaluados. Cobertura: "
     "indicadores evaluados "
     "sobre los aplicables; «no lo sé» y los desacuerdos abiertos cuentan como no evaluados. Con "
     "menos del 80 % de "
     "cobertura, una puntuación es incompleta.",
     "Балл: набранные баллы от максимума по оценённым показателям. Охват: доля оценённых среди "
     "применимых; «не знаю» "
     "и открытые разногласия считаются неоценёнными. При охвате ниже 80 % балл неполный.",
     "الدرجة: النقاط المحصَّلة من الحد الأقصى للمؤشرات المقيَّمة. التغطية: المؤشرات المقيَّمة من "
     "المؤشرات المنطبقة؛ "
     "وتُعدّ «لا أعرف» والخلافات المفتوحة غير مقيَّمة. تكون الدرجة غير مكتملة إذا قلّت التغطية عن 80 %.",
     "Pontuação: pontos obtidos sobre o máximo, nos indicadores avaliados. Cobertura: indicadores "
     "avaliados sobre os "
     "aplicáveis; «não sei» e os desacordos em aberto contam como não avaliados. Abaixo de 80 % de "
     "cobertura, uma "
     "pontuação é incompleta."},
    {"gaps", "Gaps, weakest first", "Écarts, du plus faible au plus fort",
     "Brechas, de la más débil a la más fuerte", "Пробелы, начиная с самых слабых",
     "الفجوات، من الأضعف", "Lacunas, da mais fraca à mais forte"},
    {"strengths", "Strengths", "Points forts", "Fortalezas", "Сильные стороны", "نقاط القوة",
     "Pontos fortes"},
    {"by_site", "Findings by site", "Constats par site", "Constataciones por lugar",
     "Выводы по объектам", "النتائج حسب الموقع", "Constatações por local"},
    {"by_site_rule",
     "Where the team gave no status for the whole administration, the indicator scores as its "
     "weakest site.",
     "Lorsque l'équipe n'a pas donné d'état pour l'ensemble de l'administration, l'indicateur "
     "prend l'état de son site le plus faible.",
     "Cuando el equipo no indicó un estado para toda la administración, el indicador toma el "
     "de su lugar más débil.",
     "Если группа не указала статус для администрации в целом, показатель оценивается по самому "
     "слабому объекту.",
     "حين لا يحدد الفريق حالة للإدارة ككل، يُقيَّم المؤشر وفق أضعف مواقعه.",
     "Quando a equipa não indicou um estado para toda a administração, o indicador assume o do "
     "seu local mais fraco."},
    {"not_rated", "Not yet rated", "Pas encore évalués", "Aún sin evaluar", "Ещё не оценены",
     "لم تُقيَّم بعد", "Ainda não avaliados"},
    {"not_applicable", "Not applicable", "Sans objet", "No aplicable", "Неприменимо", "لا ينطبق",
     "Não aplicável"},
    {"indicator", "Indicator", "Indicateur", "Indicador", "Показатель", "المؤشر", "Indicador"},
    {"status", "Status", "État", "Estado", "Статус", "الحالة", "Estado"},
    {"evidence", "Evidence", "Justificatifs", "Evidencia", "Подтверждение", "الأدلة", "Evidências"},
    {"priority", "Priority", "Priorité", "Prioridad", "Приоритет", "الأولوية", "Prioridade"},
    {"action", "Proposed action", "Action proposée", "Acción propuesta", "Предлагаемая мера",
     "الإجراء المقترح", "Ação proposta"},
    {"none", "None.", "Aucun.", "Ninguno.", "Нет.", "لا يوجد.", "Nenhum."},
    {"disagreements", "Disagreements and how they were resolved", "Désaccords et leur résolution",
     "Desacuerdos y cómo se resolvieron", "Разногласия и их разрешение", "الخلافات وكيف حُلَّت",
     "Desacordos e como foram resolvidos"},
    {"resolved_review", "resolved at review", "tranché en revue", "resuelto en la revisión",
     "решено при проверке", "حُسم في المراجعة", "resolvido na revisão"},
    {"resolved_team", "settled by a later entry of", "réglé par une saisie ultérieure de",
     "zanjado por una entrada posterior de", "урегулировано последующей записью:",
     "حُسم بإدخال لاحق من", "resolvido por um registo posterior de"},
    {"still_open", "still open", "toujours ouvert", "aún abierto", "остаётся открытым",
     "لا يزال مفتوحًا", "ainda em aberto"},
    {"plan", "Action plan", "Plan d'action", "Plan de acción", "План действий", "خطة العمل",
     "Plano de ação"},
    {"review", "Review and validation", "Revue et validation", "Revisión y validación",
     "Проверка и утверждение", "المراجعة والاعتماد", "Revisão e validação"},
    {"printed", "Printed from Equitas on", "Imprimé depuis Equitas le", "Impreso desde Equitas el",
     "Напечатано из Equitas", "طُبع من Equitas في", "Impresso a partir do Equitas em"},
    {"files", "Evidence files", "Fichiers justificatifs", "Archivos de evidencia",
     "Файлы-подтверждения", "ملفات الأدلة", "Ficheiros de evidência"},
    {"file", "File", "Fichier", "Archivo", "Файл", "الملف", "Ficheiro"},
    {"size", "Size", "Taille", "Tamaño", "Размер", "الحجم", "Tamanho"},
    {"not_held", "not on the server yet: it arrives with the post's next sync",
     "pas encore sur le serveur : il arrivera à la prochaine synchronisation du poste",
     "aún no está en el servidor: llegará con la próxima sincronización del puesto",
     "ещё не на сервере: поступит при следующей синхронизации пункта",
     "ليس على الخادم بعد: سيصل مع المزامنة التالية للمركز",
     "ainda não está no servidor: chega com a próxima sincronização do posto"},
    {"unit_b", "B", "o", "B", "Б", "بايت", "B"},
    {"unit_kb", "KB", "Ko", "KB", "КБ", "كيلوبايت", "KB"},
    {"unit_mb", "MB", "Mo", "MB", "МБ", "ميغابايت", "MB"},
};
constexpr std::string_view kLangs[] = {"en", "fr", "es", "ru", "ar", "pt"};

class Words {
 public:
  explicit Words(const std::string& lang) {
    for (std::size_t i = 0; i < std::size(kLangs); ++i) {
      if (kLangs[i] == lang) index_ = i;
    }
  }
  std::string operator()(std::string_view key) const {
    for (const auto& p : kPhrases) {
      if (p.key != key) continue;
      const std::string_view all[] = {p.en, p.fr, p.es, p.ru, p.ar, p.pt};
      return html_escape(all[index_]);
    }
    return html_escape(key);
  }

 private:
  std::size_t index_ = 0;
};

constexpr std::string_view kStyle = R"(
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "Noto Sans", "Noto Naskh Arabic", "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #1a1a1a;
  line-height: 1.4; margin: 0 auto; max-width: 60rem; padding: 1rem; }
h1 { font-size: 18pt; margin: 0 0 0.2rem; } h2 { font-size: 13pt; margin: 1.4rem 0 0.4rem; color: #0b4f8a;
  border-bottom: 1.5pt solid #0b4f8a; padding-bottom: 0.15rem; break-after: avoid; }
h3 { font-size: 11pt; margin: 1rem 0 0.3rem; break-after: avoid; }
.kicker, .muted { color: #4f4f4f; } .kicker { margin: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0; } dt { font-weight: 700; } dd { margin: 0; }
table { width: 100%; border-collapse: collapse; margin: 0.3rem 0 0.6rem; }
th, td { border: 0.75pt solid #b8b8b8; padding: 0.2rem 0.35rem; text-align: start; vertical-align: top; }
th { background: #f2f5f8; } td.num, th.num { text-align: end; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { break-inside: avoid; } thead { display: table-header-group; }
.code { font-family: "DejaVu Sans Mono", monospace; font-weight: 700; white-space: nowrap; }
.flag { color: #8a3b00; font-weight: 700; } .note { background: #fff4e5; border-inline-start: 4pt solid #c25e00;
  padding: 0.4rem 0.6rem; }
.overall { font-size: 14pt; font-weight: 700; }
.charts { display: flex; gap: 1rem; align-items: flex-start; flex-wrap: wrap; } .charts table { flex: 1 1 20rem; width: auto; }
svg text { font-size: 9px; fill: #1a1a1a; }
img.thumb { display: block; max-width: 7rem; max-height: 5rem; margin-top: 0.2rem; border: 0.75pt solid #b8b8b8; }
footer { margin-top: 1.5rem; font-size: 9pt; color: #4f4f4f; border-top: 0.75pt solid #b8b8b8; padding-top: 0.3rem; }
)";

std::string text_of(const json::value* v) {
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_double()) {
    std::ostringstream s;
    s << v->get_double();
    return s.str();
  }
  if (v->is_int64()) return std::to_string(v->get_int64());
  return json::serialize(*v);
}

std::string percent(const json::object& stats) {
  const auto* p = stats.if_contains("percent");
  // Isolated left to right: in an Arabic page, "62.5 %" would show as "% 62.5".
  return p == nullptr || p->is_null() ? "—" : "<bdi dir=\"ltr\">" + text_of(p) + " %</bdi>";
}

std::string coverage(const json::object& stats, const Words& w) {
  std::string s =
      text_of(stats.if_contains("rated")) + "/" + text_of(stats.if_contains("applicable"));
  if (const auto* c = stats.if_contains("coverage"); c && !c->is_null()) {
    s += " (<bdi dir=\"ltr\">" + text_of(c) + " %</bdi>)";
  }
  if (const auto* inc = stats.if_contains("incomplete"); inc && inc->is_bool() && inc->get_bool()) {
    s += " <span class=\"flag\">" + w("incomplete") + "</span>";
  }
  return s;
}

// One axis per principle, 0 to 100 %, the rated share drawn as a polygon.
std::string radar_svg(const json::array& principles) {
  const std::size_t n = principles.size();
  if (n < 3) return {};
  constexpr double kSize = 260, kCentre = kSize / 2, kRadius = 95;
  auto point = [&](std::size_t i, double fraction) {
    const double angle = -M_PI / 2 + 2 * M_PI * static_cast<double>(i) / static_cast<double>(n);
    return std::pair<double, double>{kCentre + kRadius * fraction * std::cos(angle),
                                     kCentre + kRadius * fraction * std::sin(angle)};
  };
  auto fmt = [](double v) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(1);
    s << v;
    return s.str();
  };
  std::string svg =
      "<svg viewBox=\"0 0 260 260\" width=\"260\" height=\"260\" role=\"img\" "
      "aria-hidden=\"true\">";
  for (double ring : {0.25, 0.5, 0.75, 1.0}) {
    std::string pts;
    for (std::size_t i = 0; i < n; ++i) {
      auto [x, y] = point(i, ring);
      pts += fmt(x) + "," + fmt(y) + " ";
    }
    svg +=
        "<polygon points=\"" + pts + "\" fill=\"none\" stroke=\"#b8b8b8\" stroke-width=\"0.75\"/>";
  }
  std::string shape;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = principles[i].as_object();
    auto [ax, ay] = point(i, 1.0);
    svg += "<line x1=\"130\" y1=\"130\" x2=\"" + fmt(ax) + "\" y2=\"" + fmt(ay) +
           "\" stroke=\"#b8b8b8\" stroke-width=\"0.75\"/>";
    auto [lx, ly] = point(i, 1.18);
    svg += "<text x=\"" + fmt(lx) + "\" y=\"" + fmt(ly) +
           "\" text-anchor=\"middle\" dominant-baseline=\"middle\">" +
           html_escape(text_of(p.if_contains("id"))) + "</text>";
    const auto* pc = p.if_contains("percent");
    const double v = pc != nullptr && pc->is_number()
                         ? std::clamp(pc->to_number<double>() / 100.0, 0.0, 1.0)
                         : 0.0;
    auto [x, y] = point(i, v);
    shape += fmt(x) + "," + fmt(y) + " ";
  }
  svg += "<polygon points=\"" + shape +
         "\" fill=\"rgba(11,79,138,0.25)\" stroke=\"#0b4f8a\" stroke-width=\"2\"/></svg>";
  return svg;
}

struct Indicator {
  const forms::Item* item = nullptr;
  std::string status_label;
  std::optional<double> points;
  double max_points = 0;
  bool not_applicable = false;
  std::string evidence, priority, action;
};

const json::object* field_of(const json::object& fields, const std::string& name) {
  const auto* f = fields.if_contains(name);
  return f != nullptr && f->is_object() ? &f->get_object() : nullptr;
}

std::string value_text(const json::object& fields, const std::string& name) {
  const auto* f = field_of(fields, name);
  return f != nullptr ? text_of(f->if_contains("value")) : std::string();
}

// The code, then the statement (without the code its label may start with).
std::string indicator_cell(const forms::Item& item, const std::string& lang,
                           const forms::Form& form) {
  const std::string& code = item.score->indicator;
  std::string label = item.label.get(lang, form.default_language);
  if (label.rfind(code, 0) == 0) {
    std::size_t i = code.size();
    for (std::string_view sep : {" – ", " — ", " - ", ": ", " "}) {
      if (label.compare(i, sep.size(), sep) == 0) {
        i += sep.size();
        break;
      }
    }
    label = label.substr(i);
  }
  return "<span class=\"code\">" + html_escape(code) + "</span> " + html_escape(label);
}

// "300.0 KB", the number isolated left to right (the unit reads after it
// in either direction).
std::string size_text(std::int64_t bytes, const Words& w) {
  if (bytes < 1024) return "<bdi dir=\"ltr\">" + std::to_string(bytes) + "</bdi> " + w("unit_b");
  double v = static_cast<double>(bytes) / 1024.0;
  std::string unit = "unit_kb";
  if (v >= 1024.0) {
    v /= 1024.0;
    unit = "unit_mb";
  }
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << v;
  return "<bdi dir=\"ltr\">" + s.str() + "</bdi> " + w(unit);
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The keys of the fields holding an item's per-site findings ("p3_c_1@Kigoma"), by site.
std::vector<std::pair<std::string, std::string>> site_keys(const json::object& fields,
                                                           const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : fields) {
    const auto [field, site] = forms::split_site_key(kv.key());
    if (!site.empty() && field == name) out.emplace_back(std::string(site), std::string(kv.key()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The keys an evidence question's files may sit under: the
// administration's, then each site's for a per-site question.
std::vector<std::pair<std::string, std::string>> evidence_keys(const json::object& fields,
                                                               const forms::Item& item) {
  std::vector<std::pair<std::string, std::string>> out{{"", item.name}};
  if (item.per_site) {
    for (auto& k : site_keys(fields, item.name)) out.push_back(std::move(k));
  }
  return out;
}

struct EvidenceField {
  EvidenceQuestion q;
  std::string site, key;  // site "" for the administration's
};
std::vector<EvidenceField> evidence_fields(const json::object& fields, const forms::Form& form) {
  std::vector<EvidenceField> out;
  for (const EvidenceQuestion& q : evidence_questions(form)) {
    for (auto& [site, key] : evidence_keys(fields, *q.item))
      out.push_back({q, std::move(site), std::move(key)});
  }
  return out;
}

// The evidence files of the merged fields, as a section: indicator, file
// (a link, and a thumbnail for an image the server holds), size.
std::string evidence_section(const json::object& fields, const forms::Form& form,
                             const ReportEvidence& evidence, const Words& w) {
  std::string rows;
  for (const auto& [q, site, key] : evidence_fields(fields, form)) {
    const auto* f = field_of(fields, key);
    const auto* v = f != nullptr ? f->if_contains("value") : nullptr;
    if (v == nullptr || !v->is_array() || v->get_array().empty()) continue;
    auto refs = forms::parse_file_answer(*v, *q.item, /*key_required=*/false);
    if (!refs.is_ok()) continue;
    for (const forms::FileRef& r : *refs) {
      if (!is_hex64(r.sha256)) continue;
      const bool held = evidence.held ? evidence.held(r.sha256) : true;
      std::string cell = "<bdi>" + html_escape(r.name) + "</bdi>";
      if (held) {
        const std::string href = html_escape(evidence.link_prefix + r.sha256);
        cell = "<a href=\"" + href + "\" download>" + cell + "</a>";
        if (r.type.rfind("image/", 0) == 0) {
          cell += "<img class=\"thumb\" src=\"" + href + "\" alt=\"" + html_escape(r.name) +
                  "\" loading=\"lazy\">";
        }
      } else {
        cell += " <span class=\"muted\">(" + w("not_held") + ")</span>";
      }
      rows += "<tr><td><span class=\"code\">" + html_escape(q.indicator) + "</span>" +
              (site.empty() ? std::string() : " <bdi>" + html_escape(site) + "</bdi>") +
              "</td><td>" + cell + "</td><td class=\"num\">" + size_text(r.size, w) + "</td></tr>";
    }
  }
  if (rows.empty()) return {};
  return "<section class=\"evidence-files\"><h2>" + w("files") + "</h2><table><thead><tr><th>" +
         w("indicator") + "</th><th>" + w("file") + "</th><th class=\"num\">" + w("size") +
         "</th></tr></thead><tbody>" + rows + "</tbody></table></section>";
}

}  // namespace

std::vector<EvidenceQuestion> evidence_questions(const forms::Form& form) {
  std::vector<std::pair<std::string, std::string>> scored;  // item name, indicator
  form.walk([&](const forms::Item& it, const std::vector<const forms::Item*>&) {
    if (it.score) scored.emplace_back(it.name, it.score->indicator);
    return true;
  });
  std::vector<EvidenceQuestion> out;
  std::map<const forms::Item*, std::string> last_scored;  // by group (null: the top level)
  form.walk([&](const forms::Item& it, const std::vector<const forms::Item*>& parents) {
    const forms::Item* group = parents.empty() ? nullptr : parents.back();
    if (it.score) last_scored[group] = it.score->indicator;
    if (!forms::is_file_question(it)) return true;
    for (const forms::Item* p : parents) {
      if (p->type == forms::QuestionType::kRepeat) return true;
    }
    EvidenceQuestion q{&it, {}};
    std::size_t longest = 0;
    for (const auto& [name, indicator] : scored) {
      if (name.size() > longest && it.name.size() > name.size() + 1 &&
          it.name.compare(0, name.size(), name) == 0 && it.name[name.size()] == '_') {
        longest = name.size();
        q.indicator = indicator;
      }
    }
    if (q.indicator.empty()) {
      if (auto found = last_scored.find(group); found != last_scored.end())
        q.indicator = found->second;
    }
    out.push_back(std::move(q));
    return true;
  });
  return out;
}

Result<bool> file_held(Database& db, const std::string& sha256_hex) {
  auto sha = from_hex(sha256_hex);
  if (!sha.is_ok() || sha->size() != 32) return false;
  FileHash hash;
  std::copy(sha->begin(), sha->end(), hash.begin());
  return FileStore::held(db, hash);
}

Result<json::array> evidence_files(Database& db, const forms::Form& form,
                                   const json::object& values, bool merged,
                                   const std::string& lang) {
  json::array out;
  for (const auto& [q, site, key] : evidence_fields(values, form)) {
    const json::value* v = values.if_contains(key);
    if (merged && v != nullptr) v = v->is_object() ? v->get_object().if_contains("value") : nullptr;
    if (v == nullptr || !v->is_array() || v->get_array().empty()) continue;
    auto refs = forms::parse_file_answer(*v, *q.item, /*key_required=*/false);
    if (!refs.is_ok()) continue;
    for (const forms::FileRef& r : *refs) {
      if (!is_hex64(r.sha256)) continue;
      EQ_ASSIGN_OR_RETURN(bool held, file_held(db, r.sha256));
      out.push_back(json::object{{"indicator", q.indicator},
                                 {"question", q.item->name},
                                 {"site", site},
                                 {"label", q.item->label.get(lang, form.default_language)},
                                 {"sha256", r.sha256},
                                 {"name", r.name},
                                 {"type", r.type},
                                 {"size", r.size},
                                 {"held", held}});
    }
  }
  return out;
}

bool assessment_report_language(std::string_view lang) {
  return std::find(std::begin(kLangs), std::end(kLangs), lang) != std::end(kLangs);
}

namespace {

// What every section of the printed assessment reads.
struct Page {
  const json::object& view;
  const json::object& fields;
  const forms::Form& form;
  const std::string& lang;
  const Words& w;
};

// Who, where and when, from every entry in the fields' history.
struct Participation {
  std::set<std::string> authors, sites;
  std::string first_at, last_at;  // dates (YYYY-MM-DD)
};

Participation participation(const json::object& fields) {
  Participation out;
  for (const auto& kv : fields) {
    const auto* h =
        kv.value().is_object() ? kv.value().get_object().if_contains("history") : nullptr;
    if (h == nullptr || !h->is_array()) continue;
    for (const auto& e : h->get_array()) {
      const auto& o = e.as_object();
      if (text_of(o.if_contains("kind")) == "contribution") {
        out.authors.insert(text_of(o.if_contains("author")));
        if (auto s = text_of(o.if_contains("site")); !s.empty()) out.sites.insert(s);
      }
      const std::string at = text_of(o.if_contains("at")).substr(0, 10);
      if (!at.empty() && (out.first_at.empty() || at < out.first_at)) out.first_at = at;
      if (at > out.last_at) out.last_at = at;
    }
  }

  return out;
}

// Scope: the administration, round, period, team and sites.
std::string scope_section(const Page& p) {
  const Words& w = p.w;
  const forms::Form& form = p.form;
  const std::string& lang = p.lang;
  const json::object& fields = p.fields;
  const std::string admin = text_of(p.view.at("administration").as_object().if_contains("name"));
  const Participation who = participation(fields);
  std::string html;
  html += "<section><h2>" + w("scope") + "</h2><dl>";
  html += "<dt>" + w("administration") + "</dt><dd>" + html_escape(admin) + " (" +
          html_escape(text_of(p.view.at("administration").as_object().if_contains("id"))) +
          ")</dd>";
  html += "<dt>" + w("round") + "</dt><dd><bdi>" +
          html_escape(text_of(p.view.if_contains("round"))) + "</bdi></dd>";
  std::string from = value_text(fields, "assessment_start"),
              to = value_text(fields, "assessment_date");
  if (from.empty()) from = who.first_at;
  if (to.empty()) to = who.last_at;
  if (!from.empty())
    html += "<dt>" + w("period") + "</dt><dd><bdi>" + html_escape(from) + "</bdi> " + w("to") +
            " <bdi>" + html_escape(to) + "</bdi></dd>";
  std::string team;
  for (const auto& a : who.authors)
    team += (team.empty() ? "" : ", ") + html_escape(choice_label(form, "team_role", a, lang));
  html += "<dt>" + w("team") + "</dt><dd>" + (team.empty() ? w("none") : team) + "</dd>";
  std::string site_list;
  for (const auto& s : who.sites) site_list += (site_list.empty() ? "" : ", ") + html_escape(s);
  if (const auto* visited = field_of(fields, "sites_visited");
      visited && visited->contains("value")) {
    const auto& v = visited->at("value");
    if (v.is_array()) {
      for (const auto& c : v.get_array()) {
        site_list += (site_list.empty() ? "" : ", ") +
                     html_escape(choice_label(form, "site_type", text_of(&c), lang));
      }
    }
  }
  html += "<dt>" + w("sites") + "</dt><dd>" + (site_list.empty() ? w("none") : site_list) + "</dd>";
  html += "<dt>" + w("state") + "</dt><dd>" + w(text_of(p.view.if_contains("state"))) +
          "</dd></dl></section>";

  return html;
}

// Scores with their coverage, by principle and key element, and the radar.
std::string scores_section(const Page& p) {
  const Words& w = p.w;
  std::string html;
  html += "<section><h2>" + w("scores") + "</h2>";
  if (const auto* sc = p.view.if_contains("scores"); sc && sc->is_object()) {
    const auto& s = sc->get_object();
    const bool official = p.view.contains("official") && p.view.at("official").is_bool() &&
                          p.view.at("official").get_bool();
    html += official ? "<p><strong>" + w("official") + "</strong></p>"
                     : "<p class=\"note\">" + w("provisional") + "</p>";
    const auto& overall = s.at("overall").as_object();
    html += "<p class=\"overall\">" + w("overall") + ": " + percent(overall) + " · " +
            w("coverage") + " " + coverage(overall, w) + "</p>";
    const auto& principles = s.at("principles").as_array();
    html += "<div class=\"charts\">" + radar_svg(principles) + "<table><thead><tr><th>" +
            w("principle") + "</th><th class=\"num\">" + w("score") + "</th><th class=\"num\">" +
            w("coverage") + "</th></tr></thead><tbody>";
    for (const auto& p : principles) {
      const auto& o = p.as_object();
      html += "<tr><td><span class=\"code\">" + html_escape(text_of(o.if_contains("id"))) +
              "</span> " + html_escape(text_of(o.if_contains("label"))) +
              "</td><td class=\"num\">" + percent(o) + "</td><td class=\"num\">" + coverage(o, w) +
              "</td></tr>";
    }
    html += "</tbody></table></div><h3>" + w("element") + "</h3><table><thead><tr><th>" +
            w("element") + "</th><th class=\"num\">" + w("score") + "</th><th class=\"num\">" +
            w("coverage") + "</th></tr></thead><tbody>";
    for (const auto& e : s.at("elements").as_array()) {
      const auto& o = e.as_object();
      html += "<tr><td>" + html_escape(text_of(o.if_contains("label"))) +
              "</td><td class=\"num\">" + percent(o) + "</td><td class=\"num\">" + coverage(o, w) +
              "</td></tr>";
    }
    html += "</tbody></table><p class=\"muted\">" + w("rule") + "</p>";
  }
  html += "</section>";

  return html;
}

// Strengths and gaps: every scored indicator with its status and details, weakest first.
std::string indicators_section(const Page& p) {
  const Words& w = p.w;
  const forms::Form& form = p.form;
  const std::string& lang = p.lang;
  const json::object& fields = p.fields;
  std::string html;
  std::vector<Indicator> rated, unrated;
  std::vector<std::string> not_applicable;
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>&) {
    if (!item.score) return true;
    Indicator ind;
    ind.item = &item;
    const forms::ChoiceList* list = form.list_for(item);
    if (list != nullptr) {
      for (const auto& c : list->choices)
        ind.max_points = std::max(ind.max_points, c.points.value_or(0));
    }
    const auto* f = field_of(fields, item.name);
    const bool open = f != nullptr && f->contains("competing");
    const std::string code = open ? std::string() : value_text(fields, item.name);
    const forms::Choice* choice = list != nullptr && !code.empty() ? list->find(code) : nullptr;
    ind.evidence = value_text(fields, item.name + "_evidence");
    ind.action = value_text(fields, item.name + "_action");
    if (auto pr = value_text(fields, item.name + "_priority"); !pr.empty())
      ind.priority = choice_label(form, "priority", pr, lang);
    if (choice != nullptr) ind.status_label = choice->label.get(lang, form.default_language);
    if (choice != nullptr && choice->exclude && choice->name == "na") {
      not_applicable.push_back(item.score->indicator);
    } else if (choice != nullptr && choice->points && !choice->exclude) {
      ind.points = *choice->points;
      rated.push_back(std::move(ind));
    } else {
      unrated.push_back(std::move(ind));
    }
    return true;
  });
  std::stable_sort(rated.begin(), rated.end(),
                   [](const Indicator& a, const Indicator& b) { return *a.points < *b.points; });
  auto indicator_table = [&](auto begin, auto end) {
    std::string t = "<table><thead><tr><th>" + w("indicator") + "</th><th>" + w("status") +
                    "</th><th>" + w("evidence") + "</th><th>" + w("priority") + "</th><th>" +
                    w("action") + "</th></tr></thead><tbody>";
    for (auto it = begin; it != end; ++it) {
      t += "<tr><td>" + indicator_cell(*it->item, lang, form) + "</td><td>" +
           html_escape(it->status_label) + "</td><td>" + html_escape(it->evidence) + "</td><td>" +
           html_escape(it->priority) + "</td><td>" + html_escape(it->action) + "</td></tr>";
    }
    return t + "</tbody></table>";
  };
  // A gap scores under three quarters of the maximum (0 to 2 on the 0-4 scale).
  auto first_strength = std::find_if(rated.begin(), rated.end(), [](const Indicator& i) {
    return *i.points >= 0.75 * i.max_points;
  });
  html += "<section><h2>" + w("gaps") + "</h2>" +
          (first_strength == rated.begin() ? "<p>" + w("none") + "</p>"
                                           : indicator_table(rated.begin(), first_strength));
  html += "<h2>" + w("strengths") + "</h2>" +
          (first_strength == rated.end() ? "<p>" + w("none") + "</p>"
                                         : indicator_table(first_strength, rated.end()));
  std::string codes;
  for (const auto& i : unrated)
    codes += (codes.empty() ? "" : ", ") + html_escape(i.item->score->indicator);
  html += "<p><strong>" + w("not_rated") + " (" + std::to_string(unrated.size()) + "):</strong> " +
          (codes.empty() ? w("none") : codes) + "</p>";
  if (!not_applicable.empty()) {
    std::string na;
    for (const auto& c : not_applicable) na += (na.empty() ? "" : ", ") + html_escape(c);
    html += "<p><strong>" + w("not_applicable") + " (" + std::to_string(not_applicable.size()) +
            "):</strong> " + na + "</p>";
  }
  html += "</section>";

  return html;
}

// Per-site findings, side by side: one row per indicator given per site,
// one column per site, each cell the site's status and evidence.
std::string sites_section(const Page& p) {
  const Words& w = p.w;
  const forms::Form& form = p.form;
  std::set<std::string> sites;
  std::vector<const forms::Item*> items;
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>&) {
    if (!item.score || !item.per_site) return true;
    const auto keys = site_keys(p.fields, item.name);
    if (keys.empty()) return true;
    items.push_back(&item);
    for (const auto& k : keys) sites.insert(k.first);
    return true;
  });
  if (items.empty()) return "";
  std::string html = "<section><h2>" + w("by_site") + "</h2><p class=\"muted\">" +
                     w("by_site_rule") + "</p><table><thead><tr><th>" + w("indicator") + "</th>";
  for (const auto& s : sites) html += "<th><bdi>" + html_escape(s) + "</bdi></th>";
  html += "<th>" + w("status") + "</th></tr></thead><tbody>";
  for (const forms::Item* item : items) {
    html += "<tr><td>" + indicator_cell(*item, p.lang, form) + "</td>";
    for (const auto& s : sites) {
      const std::string key = forms::site_key(item->name, s);
      const auto* f = field_of(p.fields, key);
      std::string cell;
      if (f != nullptr && f->contains("competing")) {
        cell = "<span class=\"flag\">" + w("still_open") + "</span>";
      } else if (f != nullptr) {
        cell = html_escape(choice_label(form, item->list, value_text(p.fields, key), p.lang));
      }
      if (auto ev = value_text(p.fields, forms::site_key(item->name + "_evidence", s)); !ev.empty())
        cell += "<br><span class=\"muted\">" + html_escape(ev) + "</span>";
      html += "<td>" + cell + "</td>";
    }
    // The indicator's status: the team's for the administration, or its weakest site's.
    const std::string now = value_text(p.fields, item->name);
    html += "<td>" +
            (now.empty() ? std::string()
                         : "<strong>" + html_escape(choice_label(form, item->list, now, p.lang)) +
                               "</strong>") +
            "</td></tr>";
  }
  return html + "</tbody></table></section>";
}

// Disagreements: an indicator whose contributions gave different statuses, and how each was
// settled.
std::string disagreements_section(const Page& p) {
  const Words& w = p.w;
  const forms::Form& form = p.form;
  const std::string& lang = p.lang;
  const json::object& fields = p.fields;
  std::string html;
  html += "<section><h2>" + w("disagreements") + "</h2>";
  std::string items;
  // One field's story: who said what, and how it ended (a site's finding
  // is its own field, named with its site).
  auto one = [&](const forms::Item& item, const std::string& key, const std::string& site) {
    const auto* f = field_of(fields, key);
    const auto* h = f != nullptr ? f->if_contains("history") : nullptr;
    if (h == nullptr || !h->is_array()) return;
    std::set<std::string> values;
    std::string said;
    const json::object* resolution = nullptr;
    for (const auto& e : h->get_array()) {
      const auto& o = e.as_object();
      const std::string v = text_of(o.if_contains("value"));
      if (text_of(o.if_contains("kind")) == "resolution") {
        resolution = &o;
        continue;
      }
      values.insert(v);
      said += (said.empty() ? "" : "; ") +
              html_escape(choice_label(form, "team_role", text_of(o.if_contains("author")), lang)) +
              " (" + html_escape(text_of(o.if_contains("site"))) + ", " +
              html_escape(text_of(o.if_contains("at")).substr(0, 10)) +
              "): " + html_escape(choice_label(form, item.list, v, lang));
    }
    if (values.size() < 2) return;
    std::string outcome;
    if (f->contains("competing")) {
      outcome = "<span class=\"flag\">" + w("still_open") + "</span>";
    } else {
      const std::string now = choice_label(form, item.list, text_of(f->if_contains("value")), lang);
      if (resolution != nullptr) {
        outcome = "<strong>" + html_escape(now) + "</strong>, " + w("resolved_review");
        if (auto c = text_of(resolution->if_contains("comment")); !c.empty())
          outcome += ": " + html_escape(c);
      } else {
        const auto& last = h->get_array().back().as_object();
        outcome =
            "<strong>" + html_escape(now) + "</strong>, " + w("resolved_team") + " " +
            html_escape(choice_label(form, "team_role", text_of(last.if_contains("author")), lang));
      }
    }
    items += "<li>" + indicator_cell(item, lang, form) +
             (site.empty() ? std::string() : " — <bdi>" + html_escape(site) + "</bdi>") + "<br>" +
             said + "<br>→ " + outcome + "</li>";
  };
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>&) {
    if (!item.score) return true;
    one(item, item.name, "");
    if (item.per_site) {
      for (const auto& [site, key] : site_keys(fields, item.name)) one(item, key, site);
    }
    return true;
  });
  html += items.empty() ? "<p>" + w("none") + "</p>" : "<ul>" + items + "</ul>";
  html += "</section>";

  return html;
}

// The action plan, as the team entered it (the form's repeat).
std::string plan_section(const Page& p) {
  const Words& w = p.w;
  const forms::Form& form = p.form;
  const std::string& lang = p.lang;
  const json::object& fields = p.fields;
  std::string html;
  html += "<section><h2>" + w("plan") + "</h2>";
  const forms::Item* plan = form.find("action_plan");
  const auto* rows = field_of(fields, "action_plan");
  if (plan != nullptr && rows != nullptr && rows->contains("value") &&
      rows->at("value").is_array() && !rows->at("value").get_array().empty()) {
    // The columns the team filled in, in the form's order: a page is too
    // narrow for all eleven.
    std::vector<const forms::Item*> cols;
    for (const auto& col : plan->items) {
      const bool used = std::any_of(rows->at("value").get_array().begin(),
                                    rows->at("value").get_array().end(), [&](const json::value& r) {
                                      return r.is_object() &&
                                             !text_of(r.get_object().if_contains(col.name)).empty();
                                    });
      if (used) cols.push_back(&col);
    }
    html += "<table><thead><tr>";
    for (const auto* col : cols)
      html += "<th>" + html_escape(col->label.get(lang, form.default_language)) + "</th>";
    html += "</tr></thead><tbody>";
    for (const auto& r : rows->at("value").get_array()) {
      if (!r.is_object()) continue;
      html += "<tr>";
      for (const auto* colp : cols) {
        const forms::Item& col = *colp;
        std::string cell = text_of(r.get_object().if_contains(col.name));
        if (!col.list.empty() && !cell.empty()) cell = choice_label(form, col.list, cell, lang);
        html += "<td>" + html_escape(cell) + "</td>";
      }
      html += "</tr>";
    }
    html += "</tbody></table>";
  } else {
    html += "<p>" + w("none") + "</p>";
  }
  html += "</section>";

  return html;
}

// The review steps, each with its comment.
std::string review_section(const Page& p) {
  const Words& w = p.w;
  std::string html;
  html += "<section><h2>" + w("review") + "</h2>";
  const auto* steps = p.view.if_contains("workflow");
  if (steps != nullptr && steps->is_array() && !steps->get_array().empty()) {
    html += "<ul>";
    for (const auto& s : steps->get_array()) {
      const auto& o = s.as_object();
      html += "<li>" + html_escape(text_of(o.if_contains("at")).substr(0, 10)) + ": " +
              w(text_of(o.if_contains("from"))) + " → " + w(text_of(o.if_contains("to"))) + " — " +
              html_escape(text_of(o.if_contains("comment"))) + "</li>";
    }
    html += "</ul>";
  } else {
    html += "<p>" + w("none") + "</p>";
  }
  return html;
}

}  // namespace

std::string assessment_report_html(const json::object& view, const forms::Form& form,
                                   const std::string& lang, std::int64_t printed_at,
                                   const ReportEvidence* evidence) {
  const Words w(lang);
  const std::string& fb = form.default_language;
  static const json::object kEmpty;
  const json::object& fields = view.contains("fields") && view.at("fields").is_object()
                                   ? view.at("fields").get_object()
                                   : kEmpty;
  const std::string admin = text_of(view.at("administration").as_object().if_contains("name"));
  const std::string state = text_of(view.if_contains("state"));
  const Page page{view, fields, form, lang, w};

  std::string html = "<!doctype html><html lang=\"" + html_escape(lang) + "\" dir=\"" +
                     (lang == "ar" ? "rtl" : "ltr") + "\"><head><meta charset=\"utf-8\"><title>" +
                     html_escape(admin) + " · " + html_escape(text_of(view.if_contains("round"))) +
                     "</title><style>" + std::string(kStyle) + "</style></head><body>";
  html += "<header><p class=\"kicker\">" + html_escape(form.title.get(lang, fb)) + "</p><h1>" +
          w("title") + " — <bdi>" + html_escape(admin) + "</bdi></h1><p class=\"muted\"><bdi>" +
          html_escape(text_of(view.if_contains("round"))) + "</bdi> · " + w(state) +
          "</p></header>";

  html += scope_section(page);
  html += scores_section(page);
  html += indicators_section(page);
  html += sites_section(page);
  if (evidence != nullptr) html += evidence_section(fields, form, *evidence, w);
  html += disagreements_section(page);
  html += plan_section(page);
  html += review_section(page);
  html += "<footer>" + w("printed") + " " + html_escape(iso8601_utc(printed_at).substr(0, 10)) +
          " · " + html_escape(text_of(view.if_contains("id"))) + " · " + html_escape(form.id) +
          " " + html_escape(form.version) + "</footer></body></html>";
  return html;
}

}  // namespace equitas::server
