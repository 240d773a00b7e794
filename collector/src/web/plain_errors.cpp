#include "web/plain_errors.hpp"

#include <array>

namespace equitas::collector {
namespace {

constexpr std::array<std::string_view, 6> kLangs = {"en", "fr", "es", "ru", "ar", "pt"};

// Rows in PlainError's order, columns in kLangs' order. Long messages are
// adjacent literals, joined on purpose.
// NOLINTBEGIN(bugprone-suspicious-missing-comma)
constexpr std::string_view kMessages[][6] = {
    {"The collector's disk is full. Your answers are kept on this page; ask the post administrator "
     "to free space.",
     "Le disque du poste est plein. Vos réponses restent sur cette page ; demandez à "
     "l’administrateur du poste de "
     "libérer de l’espace.",
     "El disco del equipo está lleno. Sus respuestas siguen en esta página; pida al administrador "
     "del puesto que "
     "libere espacio.",
     "Диск устройства заполнен. Ответы остаются на этой странице; попросите администратора поста "
     "освободить место.",
     "قرص الجهاز ممتلئ. إجاباتك باقية في هذه الصفحة؛ اطلب من مسؤول الموقع تحرير مساحة.",
     "O disco do equipamento está cheio. As suas respostas continuam nesta página; peça ao "
     "administrador do posto que liberte espaço."},
    {"The collector could not store or read this. Your answers are kept on this page; if it "
     "happens again, tell "
     "the post administrator.",
     "Le poste n’a pas pu enregistrer ni lire ceci. Vos réponses restent sur cette page ; si cela "
     "se reproduit, "
     "prévenez l’administrateur du poste.",
     "El equipo no pudo guardar ni leer esto. Sus respuestas siguen en esta página; si vuelve a "
     "ocurrir, avise al "
     "administrador del puesto.",
     "Устройству не удалось сохранить или прочитать данные. Ответы остаются на этой странице; если "
     "это повторится, "
     "сообщите администратору поста.",
     "تعذّر على الجهاز حفظ هذا أو قراءته. إجاباتك باقية في هذه الصفحة؛ إذا تكرر ذلك فأبلغ مسؤول "
     "الموقع.",
     "O equipamento não conseguiu guardar nem ler isto. As suas respostas continuam nesta página; "
     "se voltar a acontecer, avise o administrador do posto."},
    {"This response is too long to save. Shorten the longest answers.",
     "Cette réponse est trop longue pour être enregistrée. Raccourcissez les réponses les plus "
     "longues.",
     "Esta respuesta es demasiado larga para guardarse. Acorte las respuestas más largas.",
     "Ответ слишком длинный для сохранения. Сократите самые длинные ответы.",
     "هذه الإجابة أطول من أن تُحفظ. اختصر أطول الإجابات.",
     "Esta resposta é demasiado longa para ser guardada. Encurte as respostas mais longas."},
    {"The collector holds too many unfinished responses. Ask the post administrator to finish or "
     "discard some.",
     "Le poste contient trop de réponses inachevées. Demandez à l’administrateur du poste d’en "
     "terminer ou d’en "
     "supprimer.",
     "El equipo tiene demasiadas respuestas sin terminar. Pida al administrador del puesto que "
     "termine o descarte "
     "algunas.",
     "На устройстве слишком много незавершённых ответов. Попросите администратора поста завершить "
     "или удалить "
     "некоторые.",
     "يحتوي الجهاز على عدد كبير جدًا من الإجابات غير المكتملة. اطلب من مسؤول الموقع إكمال بعضها أو "
     "حذفه.",
     "O equipamento tem demasiadas respostas por terminar. Peça ao administrador do posto que "
     "termine ou elimine algumas."},
    {"Too many saves from this device. Wait a moment and try again; your answers are kept on this "
     "page.",
     "Trop d’enregistrements depuis cet appareil. Attendez un instant et réessayez ; vos réponses "
     "restent sur "
     "cette page.",
     "Demasiados guardados desde este dispositivo. Espere un momento e inténtelo de nuevo; sus "
     "respuestas siguen "
     "en esta página.",
     "Слишком много сохранений с этого устройства. Подождите немного и попробуйте снова; ответы "
     "остаются на этой "
     "странице.",
     "عمليات حفظ كثيرة جدًا من هذا الجهاز. انتظر قليلًا ثم حاول مرة أخرى؛ إجاباتك باقية في هذه "
     "الصفحة.",
     "Demasiadas gravações a partir deste dispositivo. Aguarde um momento e tente de novo; as suas "
     "respostas continuam nesta página."},
    {"This survey asks for your response code. Type the code printed on your slip.",
     "Cette enquête demande votre code de réponse. Saisissez le code imprimé sur votre coupon.",
     "Esta encuesta pide su código de respuesta. Escriba el código impreso en su papeleta.",
     "Для этой анкеты нужен ваш код для ответа. Введите код, напечатанный на вашем талоне.",
     "يطلب هذا الاستبيان رمز الإجابة الخاص بك. اكتب الرمز المطبوع على قسيمتك.",
     "Este inquérito pede o seu código de resposta. Escreva o código impresso no seu talão."},
    {"This code has a typing mistake. Check each character against your slip.",
     "Ce code contient une faute de frappe. Vérifiez chaque caractère sur votre coupon.",
     "Este código tiene un error de escritura. Compruebe cada carácter con su papeleta.",
     "В коде опечатка. Сверьте каждый символ с талоном.",
     "في هذا الرمز خطأ في الكتابة. طابِق كل حرف مع قسيمتك.",
     "Este código tem um erro de escrita. Confira cada carácter com o seu talão."},
    {"This collector has not received the codes for this survey yet. Ask the post administrator to "
     "sync, then try "
     "again.",
     "Ce poste n’a pas encore reçu les codes de cette enquête. Demandez à l’administrateur du "
     "poste de synchroniser, "
     "puis réessayez.",
     "Este equipo aún no ha recibido los códigos de esta encuesta. Pida al administrador del "
     "puesto que sincronice y "
     "vuelva a intentarlo.",
     "Устройство ещё не получило коды для этой анкеты. Попросите администратора поста выполнить "
     "синхронизацию и "
     "попробуйте снова.",
     "لم يتلقَّ الجهاز رموز هذا الاستبيان بعد. اطلب من مسؤول الموقع إجراء المزامنة ثم حاول مرة أخرى.",
     "Este equipamento ainda não recebeu os códigos deste inquérito. Peça ao administrador do "
     "posto que "
     "sincronize e tente de novo."},
    {"This code was not issued for this survey. Check that your slip is for this survey.",
     "Ce code n’a pas été émis pour cette enquête. Vérifiez que votre coupon est bien celui de "
     "cette enquête.",
     "Este código no se emitió para esta encuesta. Compruebe que su papeleta es de esta encuesta.",
     "Этот код не выдавался для этой анкеты. Проверьте, что ваш талон относится к ней.",
     "هذا الرمز لم يُصدَر لهذا الاستبيان. تحقّق من أن قسيمتك تخص هذا الاستبيان.",
     "Este código não foi emitido para este inquérito. Confirme que o seu talão é deste "
     "inquérito."},
    {"This code has already been used. Each code works once; if you have not answered yet, ask for "
     "a new slip.",
     "Ce code a déjà été utilisé. Chaque code ne sert qu’une fois ; si vous n’avez pas encore "
     "répondu, demandez un "
     "nouveau coupon.",
     "Este código ya se ha usado. Cada código sirve una sola vez; si aún no ha respondido, pida "
     "una papeleta nueva.",
     "Этот код уже использован. Каждый код действует один раз; если вы ещё не отвечали, попросите "
     "новый талон.",
     "استُخدم هذا الرمز من قبل. يصلح كل رمز لمرة واحدة؛ إذا لم تكن قد أجبت بعد فاطلب قسيمة جديدة.",
     "Este código já foi usado. Cada código serve uma só vez; se ainda não respondeu, peça um "
     "talão novo."},
};
// NOLINTEND(bugprone-suspicious-missing-comma)

}  // namespace

std::string plain_error(PlainError e, std::string_view lang) {
  std::size_t col = 0;
  for (std::size_t i = 0; i < kLangs.size(); ++i) {
    if (kLangs[i] == lang) col = i;
  }
  return std::string(kMessages[static_cast<std::size_t>(e)][col]);
}

}  // namespace equitas::collector
