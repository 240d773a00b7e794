// Equitas collector: the team page of a team assessment (the GEOAT, issue
// 16). app.js opens it from the admin page, behind the post's PIN, or on a
// team member's phone that joined with a team pass (/team), and hands it
// its helpers. What it draws comes from the collector: the indicators
// (web/team_view.cpp), the merged state the server sent at the last sync,
// and this collector's own entries that the server has not merged yet.
// Every change is saved at once as a contribution of the member's unit
// (sealed and queued on the collector, like any response), so closing the
// page never loses an entry. Only the member's unit and where the team left
// off are kept in the browser (localStorage); never a rating.
//
// Two layouts of the same state: from 50rem wide, a table in the spirit of
// the WCO's spreadsheet (one row per indicator, edited in place, details in
// a side panel); narrower, one indicator at a time with status buttons.
'use strict';
window.EquitasTeam = function (ui) {
  const { el, api, app, clear, focusMain, announce, scaled } = ui;
  // Where the team's calls go: /api/v1/admin on the laptop behind the PIN,
  // /api/v1/team on a phone that joined with a team pass.
  const base = () => (ui.base ? ui.base() : '/api/v1/admin');
  const T = {
    en: { title: 'Team assessments', none: 'No team assessment has reached this collector yet. Headquarters creates it, and it arrives at the next sync.',
      progress: '{0} of {1} rated, {2} disagreements', unsynced: '{0} of this collector\'s entries wait for the next sync.',
      draft: 'Draft', under_review: 'Under review', validated: 'Validated', official: 'Official score', provisional: 'Provisional score',
      noScore: 'no score yet', unit: 'Your unit in the team', chooseUnit: 'Choose your unit first: each entry records the unit that made it.',
      principle: 'Principle', allPrinciples: 'All principles', show: 'Show', all: 'All indicators', todo: 'Still to rate',
      disagree: 'Disagreements', mine: 'Entered by my unit', indicator: 'Indicator', status: 'Status', evidence: 'Evidence',
      unitCol: 'Responsible unit', priority: 'Priority', action: 'Proposed action', comment: 'Comment', notRated: 'Not rated',
      conflict: 'Disagreement: choose the status the team agrees on.', said: '{0}: {1}', at: '{0}, {1}',
      waiting: 'Entered here, waiting for sync', saving: 'Saving…', saved: 'Saved: {0}', details: 'Details', close: 'Close details',
      bySite: 'Findings by site', siteOf: 'Site of this finding', siteNone: 'No site has a finding yet.', weakest: 'From the weakest site ({0}) until the team gives the status for the administration.', siteSplit: 'The entries for {0} disagree: choose the status the team found there.',
      records: 'Submitted records', recordsHint: 'Responses to forms that allow corrections (the GEOAT), kept here for 180 days so that they can be corrected. A correction is sent as a new revision of the same response; the server keeps every revision.', correct: 'Correct', revisionN: 'revision {0}, {1}', edited: 'edited, not yet submitted',
      history: 'History', noHistory: 'Nothing entered yet.', prev: 'Previous indicator', next: 'Next indicator', position: 'Indicator {0} of {1}',
      back: 'Back to the admin page', resume: 'Continue at {0}', noMatch: 'No indicator matches these filters.',
      validatedNote: 'This assessment is validated. New entries are kept for the team, flagged, but no longer change it.',
      failed: 'Not saved: {0}', open: 'Open', addFile: 'Add a file or photo', removeFile: 'Remove {0}', noFiles: 'No file yet.', fileSaving: 'Sending {0}…', maxFiles: 'At most {0} files here.', backList: 'Back to the team\'s assessments', plan: 'Action plan', updateAction: 'Update progress', actionNote: 'Progress note', saveAction: 'Save the update', actionSent: 'Saved on this collector: the server records it at the next sync.', overdue: 'overdue', due: 'due {0}', lastUpdate: '{0}, by {1}', teamPhones: 'Team members\' phones', teamPhonesIntro: 'A member of the assessment team scans this pass with their phone to open the team page there. Each pass lets one phone in, within 10 minutes; the phone stays in for 12 hours, or until it has gone 2 hours unused.', showTeamPass: 'Show a team pass', teamPassValid: 'One phone, until {0}.', teamPhonesIn: 'Phones in the team now: {0}', signOutTeam: 'Sign out every team phone', teamHome: 'Team assessment', teamScan: 'To work on the team assessment from this phone, scan the team pass that the post administrator shows on the laptop\'s admin page.', teamLeave: 'Leave the team on this phone' },
    fr: { title: 'Évaluations d\'équipe', none: 'Aucune évaluation d\'équipe n\'est encore arrivée sur ce poste. L\'administration centrale la crée, et elle arrive à la prochaine synchronisation.',
      progress: '{0} sur {1} évalués, {2} désaccords', unsynced: '{0} saisies de ce poste attendent la prochaine synchronisation.',
      draft: 'Brouillon', under_review: 'En revue', validated: 'Validée', official: 'Score officiel', provisional: 'Score provisoire',
      noScore: 'pas encore de score', unit: 'Votre unité dans l\'équipe', chooseUnit: 'Choisissez d\'abord votre unité : chaque saisie indique l\'unité qui l\'a faite.',
      principle: 'Principe', allPrinciples: 'Tous les principes', show: 'Afficher', all: 'Tous les indicateurs', todo: 'Reste à évaluer',
      disagree: 'Désaccords', mine: 'Saisis par mon unité', indicator: 'Indicateur', status: 'État', evidence: 'Justificatifs',
      unitCol: 'Unité responsable', priority: 'Priorité', action: 'Action proposée', comment: 'Commentaire', notRated: 'Non évalué',
      conflict: 'Désaccord : choisissez l\'état sur lequel l\'équipe s\'accorde.', said: '{0} : {1}', at: '{0}, {1}',
      waiting: 'Saisi ici, en attente de synchronisation', saving: 'Enregistrement…', saved: 'Enregistré : {0}', details: 'Détails', close: 'Fermer les détails',
      bySite: 'Constats par site', siteOf: 'Site de ce constat', siteNone: 'Aucun site n\'a encore de constat.', weakest: 'D\'après le site le plus faible ({0}), tant que l\'équipe n\'a pas donné l\'état pour l\'administration.', siteSplit: 'Les saisies pour {0} divergent : choisissez l\'état constaté sur place par l\'équipe.',
      records: 'Réponses envoyées', recordsHint: 'Les réponses aux formulaires qui admettent des corrections (le GEOAT), conservées ici 180 jours pour pouvoir être corrigées. Une correction est envoyée comme nouvelle révision de la même réponse ; le serveur conserve toutes les révisions.', correct: 'Corriger', revisionN: 'révision {0}, {1}', edited: 'modifiée, pas encore envoyée',
      history: 'Historique', noHistory: 'Rien n\'a encore été saisi.', prev: 'Indicateur précédent', next: 'Indicateur suivant', position: 'Indicateur {0} sur {1}',
      back: 'Retour à la page d\'administration', resume: 'Reprendre à {0}', noMatch: 'Aucun indicateur ne correspond à ces filtres.',
      validatedNote: 'Cette évaluation est validée. Les nouvelles saisies sont conservées pour l\'équipe, signalées, mais ne la modifient plus.',
      failed: 'Non enregistré : {0}', open: 'Ouvrir', addFile: 'Ajouter un fichier ou une photo', removeFile: 'Retirer {0}', noFiles: 'Aucun fichier pour l\'instant.', fileSaving: 'Envoi de {0}…', maxFiles: 'Au plus {0} fichiers ici.', backList: 'Retour aux évaluations de l\'équipe', plan: 'Plan d\'action', updateAction: 'Mettre à jour l\'avancement', actionNote: 'Note d\'avancement', saveAction: 'Enregistrer la mise à jour', actionSent: 'Enregistré sur ce collecteur : le serveur l\'enregistre à la prochaine synchronisation.', overdue: 'en retard', due: 'échéance {0}', lastUpdate: '{0}, par {1}', teamPhones: 'Téléphones des membres de l\'équipe', teamPhonesIntro: 'Un membre de l\'équipe d\'évaluation scanne ce laissez-passer avec son téléphone pour y ouvrir la page de l\'équipe. Chaque laissez-passer fait entrer un seul téléphone, dans les 10 minutes ; le téléphone reste connecté 12 heures, ou jusqu\'à 2 heures sans utilisation.', showTeamPass: 'Afficher un laissez-passer d\'équipe', teamPassValid: 'Un téléphone, jusqu\'à {0}.', teamPhonesIn: 'Téléphones connectés à l\'équipe : {0}', signOutTeam: 'Déconnecter tous les téléphones de l\'équipe', teamHome: 'Évaluation d\'équipe', teamScan: 'Pour travailler sur l\'évaluation d\'équipe depuis ce téléphone, scannez le laissez-passer d\'équipe que l\'administrateur du poste affiche sur la page d\'administration de l\'ordinateur portable.', teamLeave: 'Quitter l\'équipe sur ce téléphone' },
    es: { title: 'Evaluaciones del equipo', none: 'Todavía no ha llegado ninguna evaluación del equipo a este equipo. La sede central la crea y llega en la próxima sincronización.',
      progress: '{0} de {1} evaluados, {2} desacuerdos', unsynced: '{0} entradas de este equipo esperan la próxima sincronización.',
      draft: 'Borrador', under_review: 'En revisión', validated: 'Validada', official: 'Puntuación oficial', provisional: 'Puntuación provisional',
      noScore: 'aún sin puntuación', unit: 'Su unidad en el equipo', chooseUnit: 'Elija primero su unidad: cada entrada registra la unidad que la hizo.',
      principle: 'Principio', allPrinciples: 'Todos los principios', show: 'Mostrar', all: 'Todos los indicadores', todo: 'Por evaluar',
      disagree: 'Desacuerdos', mine: 'Introducidos por mi unidad', indicator: 'Indicador', status: 'Estado', evidence: 'Evidencia',
      unitCol: 'Unidad responsable', priority: 'Prioridad', action: 'Acción propuesta', comment: 'Comentario', notRated: 'Sin evaluar',
      conflict: 'Desacuerdo: elija el estado en el que coincide el equipo.', said: '{0}: {1}', at: '{0}, {1}',
      waiting: 'Introducido aquí, pendiente de sincronizar', saving: 'Guardando…', saved: 'Guardado: {0}', details: 'Detalles', close: 'Cerrar los detalles',
      bySite: 'Constataciones por lugar', siteOf: 'Lugar de esta constatación', siteNone: 'Ningún lugar tiene todavía una constatación.', weakest: 'Según el lugar más débil ({0}), hasta que el equipo indique el estado de la administración.', siteSplit: 'Las entradas para {0} no coinciden: elija el estado que el equipo constató allí.',
      records: 'Respuestas enviadas', recordsHint: 'Las respuestas a formularios que admiten correcciones (el GEOAT), conservadas aquí 180 días para poder corregirlas. Una corrección se envía como nueva revisión de la misma respuesta; el servidor conserva todas las revisiones.', correct: 'Corregir', revisionN: 'revisión {0}, {1}', edited: 'modificada, aún no enviada',
      history: 'Historial', noHistory: 'Aún no se ha introducido nada.', prev: 'Indicador anterior', next: 'Indicador siguiente', position: 'Indicador {0} de {1}',
      back: 'Volver a la página de administración', resume: 'Continuar en {0}', noMatch: 'Ningún indicador coincide con estos filtros.',
      validatedNote: 'Esta evaluación está validada. Las nuevas entradas se conservan para el equipo, señaladas, pero ya no la modifican.',
      failed: 'No guardado: {0}', open: 'Abrir', addFile: 'Añadir un archivo o una foto', removeFile: 'Quitar {0}', noFiles: 'Todavía no hay archivos.', fileSaving: 'Enviando {0}…', maxFiles: 'Como máximo {0} archivos aquí.', backList: 'Volver a las evaluaciones del equipo', plan: 'Plan de acción', updateAction: 'Actualizar el avance', actionNote: 'Nota de avance', saveAction: 'Guardar la actualización', actionSent: 'Guardado en este equipo: el servidor lo registra en la próxima sincronización.', overdue: 'vencido', due: 'plazo {0}', lastUpdate: '{0}, por {1}', teamPhones: 'Teléfonos de los miembros del equipo', teamPhonesIntro: 'Un miembro del equipo de evaluación escanea este pase con su teléfono para abrir allí la página del equipo. Cada pase deja entrar a un solo teléfono, en un plazo de 10 minutos; el teléfono sigue conectado 12 horas, o hasta que pasen 2 horas sin uso.', showTeamPass: 'Mostrar un pase de equipo', teamPassValid: 'Un teléfono, hasta {0}.', teamPhonesIn: 'Teléfonos conectados al equipo: {0}', signOutTeam: 'Desconectar todos los teléfonos del equipo', teamHome: 'Evaluación del equipo', teamScan: 'Para trabajar en la evaluación del equipo desde este teléfono, escanee el pase de equipo que el administrador del puesto muestra en la página de administración del portátil.', teamLeave: 'Salir del equipo en este teléfono' },
    ru: { title: 'Командные оценки', none: 'На это устройство ещё не поступила ни одна командная оценка. Её создаёт центральный аппарат, и она приходит при следующей синхронизации.',
      progress: 'Оценено {0} из {1}, разногласий: {2}', unsynced: 'Записей этого устройства, ожидающих синхронизации: {0}.',
      draft: 'Черновик', under_review: 'На проверке', validated: 'Утверждена', official: 'Официальный балл', provisional: 'Предварительный балл',
      noScore: 'балла пока нет', unit: 'Ваше подразделение в группе', chooseUnit: 'Сначала выберите своё подразделение: в каждой записи указывается, кто её сделал.',
      principle: 'Принцип', allPrinciples: 'Все принципы', show: 'Показать', all: 'Все показатели', todo: 'Ещё не оценены',
      disagree: 'Разногласия', mine: 'Внесены моим подразделением', indicator: 'Показатель', status: 'Статус', evidence: 'Подтверждение',
      unitCol: 'Ответственное подразделение', priority: 'Приоритет', action: 'Предлагаемая мера', comment: 'Комментарий', notRated: 'Не оценён',
      conflict: 'Разногласие: выберите статус, с которым согласна группа.', said: '{0}: {1}', at: '{0}, {1}',
      waiting: 'Внесено здесь, ожидает синхронизации', saving: 'Сохранение…', saved: 'Сохранено: {0}', details: 'Подробности', close: 'Закрыть подробности',
      bySite: 'Выводы по объектам', siteOf: 'Объект, к которому относится вывод', siteNone: 'Ни по одному объекту ещё нет вывода.', weakest: 'По самому слабому объекту ({0}), пока группа не укажет статус для администрации.', siteSplit: 'Записи по объекту «{0}» расходятся: выберите статус, установленный группой на месте.',
      records: 'Отправленные ответы', recordsHint: 'Ответы на формы, допускающие исправления (GEOAT), хранятся здесь 180 дней, чтобы их можно было исправить. Исправление отправляется как новая редакция того же ответа; сервер хранит все редакции.', correct: 'Исправить', revisionN: 'редакция {0}, {1}', edited: 'изменён, ещё не отправлен',
      history: 'История', noHistory: 'Пока ничего не внесено.', prev: 'Предыдущий показатель', next: 'Следующий показатель', position: 'Показатель {0} из {1}',
      back: 'К странице администратора', resume: 'Продолжить с {0}', noMatch: 'Нет показателей, подходящих под эти фильтры.',
      validatedNote: 'Эта оценка утверждена. Новые записи сохраняются для группы с отметкой, но больше её не меняют.',
      failed: 'Не сохранено: {0}', open: 'Открыть', addFile: 'Добавить файл или фото', removeFile: 'Удалить {0}', noFiles: 'Файлов пока нет.', fileSaving: 'Отправка {0}…', maxFiles: 'Не более {0} файлов.', backList: 'Назад к оценкам группы', plan: 'План действий', updateAction: 'Обновить ход выполнения', actionNote: 'Заметка о ходе выполнения', saveAction: 'Сохранить обновление', actionSent: 'Сохранено на этом устройстве: сервер запишет его при следующей синхронизации.', overdue: 'просрочено', due: 'срок {0}', lastUpdate: '{0}, {1}', teamPhones: 'Телефоны членов группы', teamPhonesIntro: 'Член группы по оценке сканирует этот пропуск своим телефоном, чтобы открыть на нём страницу группы. Каждый пропуск впускает один телефон в течение 10 минут; телефон остаётся подключённым 12 часов или пока не пройдёт 2 часа без использования.', showTeamPass: 'Показать пропуск группы', teamPassValid: 'Один телефон, до {0}.', teamPhonesIn: 'Телефонов в группе сейчас: {0}', signOutTeam: 'Отключить все телефоны группы', teamHome: 'Командная оценка', teamScan: 'Чтобы работать над командной оценкой с этого телефона, отсканируйте пропуск группы, который администратор поста показывает на странице администратора ноутбука.', teamLeave: 'Выйти из группы на этом телефоне' },
    ar: { title: 'تقييمات الفريق', none: 'لم يصل أي تقييم للفريق إلى هذا الجهاز بعد. تُنشئه الإدارة المركزية، ويصل عند المزامنة التالية.',
      progress: 'قُيِّم {0} من {1}، وخلافات: {2}', unsynced: 'إدخالات هذا الجهاز التي تنتظر المزامنة التالية: {0}.',
      draft: 'مسودة', under_review: 'قيد المراجعة', validated: 'معتمد', official: 'درجة رسمية', provisional: 'درجة مؤقتة',
      noScore: 'لا درجة بعد', unit: 'وحدتك في الفريق', chooseUnit: 'اختر وحدتك أولًا: يُسجَّل مع كل إدخال الوحدة التي أدخلته.',
      principle: 'المبدأ', allPrinciples: 'كل المبادئ', show: 'عرض', all: 'كل المؤشرات', todo: 'لم تُقيَّم بعد',
      disagree: 'الخلافات', mine: 'أدخلتها وحدتي', indicator: 'المؤشر', status: 'الحالة', evidence: 'الأدلة',
      unitCol: 'الوحدة المسؤولة', priority: 'الأولوية', action: 'الإجراء المقترح', comment: 'تعليق', notRated: 'غير مُقيَّم',
      conflict: 'خلاف: اختر الحالة التي يتفق عليها الفريق.', said: '{0}: {1}', at: '{0}، {1}',
      waiting: 'أُدخل هنا، بانتظار المزامنة', saving: 'جارٍ الحفظ…', saved: 'تم الحفظ: {0}', details: 'التفاصيل', close: 'إغلاق التفاصيل',
      bySite: 'النتائج حسب الموقع', siteOf: 'موقع هذه النتيجة', siteNone: 'لا توجد نتيجة لأي موقع بعد.', weakest: 'وفق أضعف موقع ({0})، إلى أن يحدد الفريق الحالة على مستوى الإدارة.', siteSplit: 'الإدخالات الخاصة بـ {0} متعارضة: اختر الحالة التي وقف عليها الفريق هناك.',
      records: 'الإجابات المرسلة', recordsHint: 'الإجابات على الاستمارات التي تقبل التصحيح (GEOAT)، محفوظة هنا 180 يومًا ليمكن تصحيحها. يُرسل التصحيح بوصفه نسخة منقحة جديدة من الإجابة نفسها، ويحتفظ الخادم بكل النسخ.', correct: 'تصحيح', revisionN: 'النسخة {0}، {1}', edited: 'عُدّلت ولم تُرسل بعد',
      history: 'السجل', noHistory: 'لم يُدخل شيء بعد.', prev: 'المؤشر السابق', next: 'المؤشر التالي', position: 'المؤشر {0} من {1}',
      back: 'العودة إلى صفحة الإدارة', resume: 'المتابعة من {0}', noMatch: 'لا يوجد مؤشر يطابق عوامل التصفية هذه.',
      validatedNote: 'هذا التقييم معتمد. تُحفظ الإدخالات الجديدة للفريق مع تعليمها، لكنها لم تعد تغيّره.',
      failed: 'لم يُحفظ: {0}', open: 'فتح', addFile: 'إضافة ملف أو صورة', removeFile: 'إزالة {0}', noFiles: 'لا يوجد ملف بعد.', fileSaving: 'جارٍ إرسال {0}…', maxFiles: '{0} ملفات على الأكثر هنا.', backList: 'العودة إلى تقييمات الفريق', plan: 'خطة العمل', updateAction: 'تحديث التقدم', actionNote: 'ملاحظة عن التقدم', saveAction: 'حفظ التحديث', actionSent: 'حُفظ على هذا الجهاز: يسجّله الخادم عند المزامنة التالية.', overdue: 'متأخر', due: 'الموعد {0}', lastUpdate: '{0}، بواسطة {1}', teamPhones: 'هواتف أعضاء الفريق', teamPhonesIntro: 'يمسح عضو فريق التقييم هذا التصريح بهاتفه ليفتح صفحة الفريق عليه. يُدخل كل تصريح هاتفًا واحدًا خلال 10 دقائق؛ ويبقى الهاتف متصلًا 12 ساعة، أو حتى تمر عليه ساعتان دون استخدام.', showTeamPass: 'عرض تصريح للفريق', teamPassValid: 'هاتف واحد، حتى {0}.', teamPhonesIn: 'الهواتف المتصلة بالفريق الآن: {0}', signOutTeam: 'إخراج كل هواتف الفريق', teamHome: 'تقييم الفريق', teamScan: 'للعمل على تقييم الفريق من هذا الهاتف، امسح تصريح الفريق الذي يعرضه مسؤول المركز على صفحة الإدارة في الحاسوب المحمول.', teamLeave: 'مغادرة الفريق على هذا الهاتف' },
    pt: { title: 'Avaliações da equipa', none: 'Ainda não chegou nenhuma avaliação da equipa a este equipamento. Os serviços centrais criam-na e ela chega na próxima sincronização.',
      progress: '{0} de {1} avaliados, {2} desacordos', unsynced: '{0} registos deste equipamento aguardam a próxima sincronização.',
      draft: 'Rascunho', under_review: 'Em revisão', validated: 'Validada', official: 'Pontuação oficial', provisional: 'Pontuação provisória',
      noScore: 'ainda sem pontuação', unit: 'A sua unidade na equipa', chooseUnit: 'Escolha primeiro a sua unidade: cada registo indica a unidade que o fez.',
      principle: 'Princípio', allPrinciples: 'Todos os princípios', show: 'Mostrar', all: 'Todos os indicadores', todo: 'Por avaliar',
      disagree: 'Desacordos', mine: 'Registados pela minha unidade', indicator: 'Indicador', status: 'Estado', evidence: 'Evidências',
      unitCol: 'Unidade responsável', priority: 'Prioridade', action: 'Ação proposta', comment: 'Comentário', notRated: 'Não avaliado',
      conflict: 'Desacordo: escolha o estado com que a equipa concorda.', said: '{0}: {1}', at: '{0}, {1}',
      waiting: 'Registado aqui, a aguardar sincronização', saving: 'A guardar…', saved: 'Guardado: {0}', details: 'Detalhes', close: 'Fechar os detalhes',
      bySite: 'Constatações por local', siteOf: 'Local desta constatação', siteNone: 'Nenhum local tem ainda uma constatação.', weakest: 'Segundo o local mais fraco ({0}), até a equipa indicar o estado da administração.', siteSplit: 'As entradas para {0} divergem: escolha o estado que a equipa constatou no local.',
      records: 'Respostas enviadas', recordsHint: 'As respostas a formulários que admitem correções (o GEOAT), guardadas aqui 180 dias para poderem ser corrigidas. Uma correção é enviada como nova revisão da mesma resposta; o servidor guarda todas as revisões.', correct: 'Corrigir', revisionN: 'revisão {0}, {1}', edited: 'alterada, ainda não enviada',
      history: 'Histórico', noHistory: 'Ainda nada foi registado.', prev: 'Indicador anterior', next: 'Indicador seguinte', position: 'Indicador {0} de {1}',
      back: 'Voltar à página de administração', resume: 'Continuar em {0}', noMatch: 'Nenhum indicador corresponde a estes filtros.',
      validatedNote: 'Esta avaliação está validada. Os novos registos são guardados para a equipa, assinalados, mas já não a alteram.',
      failed: 'Não guardado: {0}', open: 'Abrir', addFile: 'Adicionar um ficheiro ou fotografia', removeFile: 'Remover {0}', noFiles: 'Ainda não há ficheiros.', fileSaving: 'A enviar {0}…', maxFiles: 'No máximo {0} ficheiros aqui.', backList: 'Voltar às avaliações da equipa', plan: 'Plano de ação', updateAction: 'Atualizar o progresso', actionNote: 'Nota de progresso', saveAction: 'Guardar a atualização', actionSent: 'Guardado neste equipamento: o servidor regista-o na próxima sincronização.', overdue: 'em atraso', due: 'prazo {0}', lastUpdate: '{0}, por {1}', teamPhones: 'Telemóveis dos membros da equipa', teamPhonesIntro: 'Um membro da equipa de avaliação lê este passe com o telemóvel para abrir nele a página da equipa. Cada passe deixa entrar um só telemóvel, no prazo de 10 minutos; o telemóvel fica ligado 12 horas, ou até passar 2 horas sem uso.', showTeamPass: 'Mostrar um passe da equipa', teamPassValid: 'Um telemóvel, até {0}.', teamPhonesIn: 'Telemóveis na equipa agora: {0}', signOutTeam: 'Desligar todos os telemóveis da equipa', teamHome: 'Avaliação da equipa', teamScan: 'Para trabalhar na avaliação da equipa a partir deste telemóvel, leia o passe da equipa que o administrador do posto mostra na página de administração do portátil.', teamLeave: 'Sair da equipa neste telemóvel' },
  };
  const lang = () => document.documentElement.lang || 'en';
  function t(key, ...args) {
    const s = (T[lang()] || T.en)[key] ?? T.en[key] ?? key;
    return s.replace(/\{(\d)\}/g, (_, i) => String(args[+i] ?? ''));
  }
  // As the page's language writes a percentage: "62.5%", "62,5 %", and in
  // Arabic the sign between left-to-right marks (never "% 62.5").
  const percent = (x) => new Intl.NumberFormat(lang(), { style: 'percent', maximumFractionDigits: 1 }).format(x / 100);
  // The columns of the table, by the role of an indicator's detail field.
  const COLUMNS = [['evidence', 'evidence'], ['unit', 'unitCol'], ['priority', 'priority'], ['action', 'action']];
  const UNIT_KEY = 'eq_team_unit';
  const AT_KEY = 'eq_team_at';
  const SITE_KEY = 'eq_team_site';
  const WIDE = window.matchMedia('(min-width: 50rem)');

  let A = null;  // the open assessment: {id, data, indicators, filter, at, panel}

  // ---- what a field holds now ------------------------------------------
  // This collector's unsynced entry first (the member's latest word), then
  // the server's merged value; a disagreement has competing values instead.
  function fieldState(name) {
    const mine = A.data.unsynced[name];
    const merged = (A.data.fields || {})[name] || {};
    if (mine) return { value: mine.value, mine: true, competing: null, history: merged.history || [] };
    return { value: merged.value ?? null, mine: false, competing: merged.competing || null, history: merged.history || [],
      fromSites: !!merged.from_sites };
  }
  // ---- per-site findings (docs/assessments.md) ------------------------------
  // A per-site field's finding for a site is kept under "<field>@<site>".
  const siteKey = (name, where) => name + '@' + where;
  function sites() { return A.data.sites || []; }
  function site() { const s = localStorage.getItem(SITE_KEY); return s && sites().includes(s) ? s : (sites()[0] || ''); }
  // The sites with a finding for this field, merged or waiting here.
  function sitesOf(name) {
    const found = new Set();
    for (const k of [...Object.keys(A.data.fields || {}), ...Object.keys(A.data.unsynced)]) {
      const at = k.indexOf('@');
      if (at > 0 && k.slice(0, at) === name) found.add(k.slice(at + 1));
    }
    return [...found].sort();
  }
  // The indicator as its sites stand, the server's rule: a site whose
  // entries disagree leaves it undecided; else its weakest site's status;
  // "not applicable" only when every site says so.
  function fromSites(ind) {
    let weakest = null, na = null, other = false;
    for (const where of sitesOf(ind.name)) {
      const f = fieldState(siteKey(ind.name, where));
      if (f.competing) return 'disagreement';
      const st = A.data.layout.statuses.find(x => x.name === String(f.value));
      if (st && st.not_applicable) { na = st; continue; }
      other = true;
      if (st && st.points != null && (!weakest || st.points < weakest.points)) weakest = { ...st, site: where };
    }
    return weakest || (!other && na) || null;
  }
  function status(name) { return A.data.layout.statuses.find(s => s.name === String(fieldState(name).value)); }
  function roleLabel(name) { const r = A.data.layout.roles.find(x => x.name === name); return r ? r.label : name; }
  function statusLabel(value) { const s = A.data.layout.statuses.find(x => x.name === String(value)); return s ? s.label : String(value); }
  // rated, not applicable, disagreement or still to rate: the server's rule
  // (docs/assessments.md), applied to what this page shows.
  function standing(ind) {
    const f = fieldState(ind.name);
    if (f.competing) return 'disagreement';
    // A site whose entries disagree holds the indicator back, whatever the
    // team gave the administration (validation waits for it too).
    const d = ind.per_site ? fromSites(ind) : null;
    if (d === 'disagreement') return d;
    let s = f.fromSites ? null : status(ind.name);
    if (!s) s = d;
    if (!s) return 'todo';
    if (s.not_applicable) return 'na';
    return s.points == null ? 'todo' : 'rated';
  }
  function progress() {
    let rated = 0, applicable = 0, disagreements = 0;
    for (const ind of A.indicators) {
      const s = standing(ind);
      if (s !== 'na') applicable += 1;
      if (s === 'rated') rated += 1;
      if (s === 'disagreement') disagreements += 1;
    }
    return { rated, applicable, disagreements };
  }
  function touchedBy(ind, unit) {
    const names = [ind.name, ...ind.details.map(d => d.name)];
    return names.some(n => {
      const mine = A.data.unsynced[n];
      if (mine && mine.role === unit) return true;
      return ((A.data.fields || {})[n]?.history || []).some(h => h.author === unit);
    });
  }
  function visible(ind) {
    const f = A.filter;
    if (f.principle && ind.principle !== f.principle) return false;
    const s = standing(ind);
    if (f.show === 'todo') return s === 'todo' || s === 'disagreement';
    if (f.show === 'disagree') return s === 'disagreement';
    if (f.show === 'mine') return touchedBy(ind, unit());
    return true;
  }
  function unit() { return localStorage.getItem(UNIT_KEY) || ''; }
  // The indicator's statement without the code its label starts with (the
  // code is shown on its own).
  function statement(ind) {
    const l = ind.label;
    return l.startsWith(ind.code) ? l.slice(ind.code.length).replace(/^\s*[–—:-]\s*/, '') : l;
  }

  // ---- saving ------------------------------------------------------------
  async function contribute(answers, statusEl, where) {
    if (!unit()) {
      statusEl.textContent = t('chooseUnit');
      document.getElementById('team-unit')?.focus();
      return false;
    }
    statusEl.textContent = t('saving');
    const r = await api('POST', base() + '/assessments/' + encodeURIComponent(A.id) + '/contribute?lang=' + lang(),
      where ? { role: unit(), answers, site: where } : { role: unit(), answers }).catch(() => null);
    if (!r || !r.ok) {
      statusEl.textContent = t('failed', (r && r.data && r.data.error) || '—');
      statusEl.className = 'error';
      return false;
    }
    A.data.unsynced = r.data.unsynced;
    statusEl.className = 'muted';
    statusEl.textContent = r.data.notice || t('saved', new Date().toLocaleTimeString(lang()));
    return true;
  }
  // Saves one field, then redraws what depends on it.
  async function saveField(ind, name, value, statusEl, where) {
    const ok = await contribute({ [name]: value }, statusEl, where);
    rememberAt(ind);
    refreshMeter();
    if (ok) redrawIndicator(ind);
    return ok;
  }
  function rememberAt(ind) { localStorage.setItem(AT_KEY, JSON.stringify({ id: A.id, at: ind.name })); }

  // ---- the list, on the admin page --------------------------------------
  async function list(container) {
    const r = await api('GET', base() + '/assessments?lang=' + lang()).catch(() => null);
    if (!r || !r.ok) return;
    container.append(el('h2', { text: t('title') }));
    if (!r.data.assessments.length) { container.append(el('p', { className: 'muted', text: t('none') })); return; }
    let last = null;
    try { last = JSON.parse(localStorage.getItem(AT_KEY) || 'null'); } catch (e) { last = null; }
    for (const a of r.data.assessments) {
      const p = a.progress || {};
      const admin = (a.administration && a.administration.name) || '';
      const card = el('div', { className: 'team-card', 'data-assessment': a.id },
        el('strong', {}, el('bdi', { text: admin }), ' · ', el('bdi', { text: a.round || '' })),
        el('span', { className: 'muted' }, el('bdi', { text: a.title || a.form_id }), ' · ', t(a.state)),
        meter(p.rated || 0, p.applicable || 0, p.disagreements || 0),
        a.unsynced ? el('span', { className: 'muted', text: t('unsynced', a.unsynced) }) : null,
        el('div', { className: 'actions' },
          el('button', { type: 'button', className: 'primary open-team', text: t('open'), on: { click: () => open(a.id) } }),
          last && last.id === a.id ? el('button', { type: 'button', className: 'resume-team',
            text: t('resume', last.at.replace(/_/g, '.').toUpperCase()), on: { click: () => open(a.id, last.at) } }) : null));
      container.append(card);
    }
  }
  function meter(rated, applicable, disagreements) {
    return el('div', { className: 'team-meter' },
      el('progress', { max: String(Math.max(1, applicable)), value: String(rated), 'aria-hidden': 'true' }),
      el('span', { className: 'team-progress', role: 'status', text: t('progress', rated, applicable, disagreements) }));
  }
  function refreshMeter() {
    const p = progress();
    const old = document.getElementById('team-meter');
    if (!old) return;
    const fresh = meter(p.rated, p.applicable, p.disagreements);
    fresh.id = 'team-meter';
    old.replaceWith(fresh);
    const u = document.getElementById('team-unsynced');
    const n = Object.keys(A.data.unsynced).length;
    if (u) u.textContent = n ? t('unsynced', n) : '';
  }

  // ---- one assessment ----------------------------------------------------
  async function open(id, at) {
    const r = await api('GET', base() + '/assessments/' + encodeURIComponent(id) + '?lang=' + lang()).catch(() => null);
    if (!r || !r.ok) { announce((r && r.data && r.data.error) || ''); return; }
    const indicators = [];
    for (const p of r.data.layout.principles) {
      for (const e of p.elements) for (const ind of e.indicators) indicators.push({ ...ind, principle: p.id, element: e.id });
    }
    A = { id, data: r.data, indicators, filter: { principle: '', show: 'all' }, at: at || null };
    if (!A.data.unsynced || Array.isArray(A.data.unsynced)) A.data.unsynced = {};
    draw();
  }

  function draw() {
    clear();
    app.classList.add('wide');
    const d = A.data;
    const a = d.assessment;
    const h1 = el('h1', { tabindex: '-1' }, el('bdi', { text: (a.administration && a.administration.name) || '' }), ' · ',
      el('bdi', { text: a.round || '' }));
    const overall = d.scores && d.scores.overall;
    app.append(h1, el('p', { className: 'muted' }, el('bdi', { text: d.title }), ' · ', t(a.state), ' · ',
      t(d.scores && d.scores.status === 'official' ? 'official' : 'provisional'), ' ',
      overall && overall.percent != null ? percent(overall.percent) : t('noScore')));
    const m = meter(0, 0, 0); m.id = 'team-meter';
    app.append(m, el('p', { id: 'team-unsynced', className: 'muted' }));
    if (a.state === 'validated') app.append(el('p', { className: 'note', text: t('validatedNote') }));

    // The member's unit, then the filters.
    const unitSel = el('select', { id: 'team-unit', on: { change: () => {
      localStorage.setItem(UNIT_KEY, unitSel.value);
      if (A.filter.show === 'mine') drawIndicators();
    } } }, el('option', { value: '', text: '—' }),
    d.layout.roles.map(r => el('option', { value: r.name, text: r.label, selected: r.name === unit() })));
    const principleSel = el('select', { id: 'team-principle', on: { change: () => { A.filter.principle = principleSel.value; drawIndicators(); } } },
      el('option', { value: '', text: t('allPrinciples') }),
      d.layout.principles.map(p => el('option', { value: p.id, text: p.label })));
    const showSel = el('select', { id: 'team-show', on: { change: () => { A.filter.show = showSel.value; drawIndicators(); } } },
      ['all', 'todo', 'disagree', 'mine'].map(k => el('option', { value: k, text: t(k) })));
    app.append(el('div', { className: 'team-filters' },
      el('label', {}, el('span', { text: t('unit') }), unitSel),
      el('label', {}, el('span', { text: t('principle') }), principleSel),
      el('label', {}, el('span', { text: t('show') }), showSel)));
    app.append(el('p', { id: 'team-save', className: 'muted', role: 'status' }));
    app.append(el('div', { id: 'team-body' }));
    if ((d.actions || []).length) app.append(plan());
    app.append(el('div', { className: 'actions' }, el('button', { type: 'button', id: 'team-back', text: t(ui.onPhone && ui.onPhone() ? 'backList' : 'back'),
      on: { click: () => { A = null; app.classList.remove('wide'); WIDE.onchange = null; ui.back(); } } })));
    WIDE.onchange = () => drawIndicators();
    refreshMeter();
    drawIndicators();
    focusMain(h1);
  }

  function drawIndicators() {
    const body = document.getElementById('team-body');
    if (!body) return;
    const shown = A.indicators.filter(visible);
    if (!shown.length) { body.replaceChildren(el('p', { className: 'muted', text: t('noMatch') })); return; }
    if (WIDE.matches) {
      body.replaceChildren(table(shown), panel());
      const open = A.panelFor && A.indicators.find(x => x.name === A.panelFor);
      if (open) showPanel(open, false);
    } else {
      body.replaceChildren(single(shown));
    }
    if (A.at && WIDE.matches) {
      const row = document.querySelector('tr[data-indicator="' + A.at + '"]');
      if (row) { row.scrollIntoView({ block: 'center' }); row.querySelector('select, input')?.focus(); }
    }
  }

  function statusSelect(ind, id) {
    let f = fieldState(ind.name);
    // The weakest site's status is not the team's choice: the select stays
    // unset (the row says where the status comes from), so choosing that
    // same status makes it the administration's.
    if (f.fromSites) f = { ...f, value: null };
    const sel = el('select', { id, 'aria-label': t('status') + ' ' + ind.code, on: { change: () => {
      if (sel.value) saveField(ind, ind.name, sel.value, document.getElementById('team-save'));
    } } }, el('option', { value: '', text: t('notRated'), disabled: f.value != null && !f.competing }),
    A.data.layout.statuses.map(s => el('option', { value: s.name, text: s.label, selected: f.value != null && String(f.value) === s.name })));
    if (f.competing) sel.value = '';
    return sel;
  }
  // Evidence files: the field's list as the team has it, each with a way to
  // remove it, and a picker (the camera on a phone). A new file is captured
  // here, encrypted at once, then saved as the whole list: the others by
  // reference, this one with its key (the server unites lists that members
  // save at the same time).
  // `where`: the site whose finding the files are (a per-site question).
  function fileControl(ind, d, id, where) {
    const f = fieldState(where ? siteKey(d.name, where) : d.name);
    const current = Array.isArray(f.value) ? f.value : [];
    const status = el('p', { className: 'muted', role: 'status' });
    const saveList = (list) => saveField(ind, d.name, list, status, where);
    const items = current.map(r => el('li', {}, el('bdi', { text: r.name }),
      el('span', { className: 'muted', text: ' (' + Math.max(1, Math.round(r.size / 1024)) + ' KB)' }), ' ',
      el('button', { type: 'button', className: 'link', text: '×', 'aria-label': t('removeFile', r.name),
        on: { click: () => saveList(current.filter(x => x.id !== r.id)) } })));
    // Hidden: its button opens it, and names it for assistive technology.
    const input = el('input', { type: 'file', id: id + '-input', hidden: true, tabindex: '-1', accept: (d.accept || []).join(','),
      on: { change: async () => {
        const chosen = input.files && input.files[0];
        input.value = '';
        if (!chosen) return;
        if (current.length >= (d.max_files || 1)) { status.textContent = t('maxFiles', d.max_files || 1); return; }
        if (!unit()) { status.textContent = t('chooseUnit'); document.getElementById('team-unit')?.focus(); return; }
        const file = scaled ? await scaled(chosen, d.max_pixels) : chosen;
        status.className = 'muted';
        status.textContent = t('fileSaving', file.name);
        let r;
        try {
          const res = await fetch(base() + '/assessments/' + encodeURIComponent(A.id) + '/files?question=' +
            encodeURIComponent(d.name) + '&name=' + encodeURIComponent(file.name) + '&lang=' + lang(),
            { method: 'POST', credentials: 'same-origin', cache: 'no-store', headers: { 'Content-Type': 'application/octet-stream' }, body: file });
          r = { ok: res.ok, data: (res.headers.get('Content-Type') || '').startsWith('application/json') ? await res.json() : null };
        } catch (e) { r = { ok: false, data: null }; }
        if (!r.ok || !r.data || !r.data.file) {
          status.className = 'error';
          status.textContent = t('failed', (r.data && r.data.error) || '—');
          return;
        }
        await saveList(current.concat([r.data.file]));
      } } });
    const label = el('button', { type: 'button', id, className: 'addfile', text: t('addFile'), on: { click: () => input.click() } });
    return el('div', { className: 'team-files' },
      items.length ? el('ul', {}, items) : el('p', { className: 'muted', text: t('noFiles') }),
      current.length < (d.max_files || 1) ? [input, label] : null, status);
  }
  function detailControl(ind, d, id, big) {
    if (d.accept) return fileControl(ind, d, id);
    const f = fieldState(d.name);
    const label = d.label;
    const save = (v) => saveField(ind, d.name, v, document.getElementById('team-save'));
    if (d.list) {
      const sel = el('select', { id, 'aria-label': label, on: { change: () => save(sel.value) } },
        el('option', { value: '', text: '—' }),
        (A.data.layout.lists[d.list] || []).map(c => el('option', { value: c.name, text: c.label, selected: String(f.value ?? '') === c.name })));
      return sel;
    }
    const input = big || d.multiline && big !== false
      ? el('textarea', { id, 'aria-label': label, rows: '3' })
      : el('input', { type: 'text', id, 'aria-label': label });
    input.value = f.value == null ? '' : String(f.value);
    input.addEventListener('change', () => save(input.value));
    return input;
  }
  function marks(ind) {
    const f = fieldState(ind.name);
    const out = [];
    if (f.competing) {
      out.push(el('p', { className: 'team-conflict', text: t('conflict') }),
        el('ul', { className: 'team-competing' }, f.competing.map(c =>
          el('li', {}, el('bdi', { text: t('said', roleLabel(c.author), statusLabel(c.value)) }), ' ',
            el('span', { className: 'muted' }, el('bdi', { text: t('at', c.site || '', String(c.at || '').slice(0, 10)) }))))));
    }
    if (ind.per_site) {
      const found = sitesOf(ind.name);
      if (found.length) {
        out.push(el('ul', { className: 'team-site-list' }, found.map(where => {
          const sf = fieldState(siteKey(ind.name, where));
          return el('li', { 'data-site': where }, el('bdi', { text: where }), ': ',
            sf.competing ? el('strong', { className: 'team-conflict', text: t('disagree') }) : el('bdi', { text: statusLabel(sf.value) }));
        })));
      }
      const d = f.fromSites || (f.value == null && !f.competing) ? fromSites(ind) : null;
      if (d && d !== 'disagreement' && d.site) out.push(el('p', { className: 'muted team-weakest', text: t('weakest', d.site) }));
    }
    const anyMine = Object.keys(A.data.unsynced).some(n => n === ind.name || n.startsWith(ind.name + '_') || n.startsWith(ind.name + '@'));
    if (anyMine) out.push(el('span', { className: 'team-waiting', text: t('waiting') }));
    return out;
  }
  // The chosen site's finding for a per-site indicator: its status and
  // evidence, saved as contributions about that site. The choice of site
  // is remembered (only its name, in this browser).
  function siteBlock(ind, prefix) {
    if (!ind.per_site || !sites().length) return null;
    const where = site();
    const choose = el('select', { id: prefix + '-site', on: { change: () => {
      localStorage.setItem(SITE_KEY, choose.value);
      redrawIndicator(ind);
      document.getElementById(prefix + '-site')?.focus();
    } } }, sites().map(x => el('option', { value: x, text: x, selected: x === where })));
    const key = siteKey(ind.name, where);
    const f = fieldState(key);
    const note = el('p', { className: 'muted', role: 'status' });
    const save = (name, value) => saveField(ind, name, value, note, where);
    const st = el('select', { id: prefix + '-site-status', 'aria-label': t('status') + ' ' + ind.code + ', ' + where,
      on: { change: () => { if (st.value) save(ind.name, st.value); } } },
    el('option', { value: '', text: t('notRated'), disabled: f.value != null && !f.competing }),
    A.data.layout.statuses.map(x => el('option', { value: x.name, text: x.label, selected: f.value != null && !f.competing && String(f.value) === x.name })));
    if (f.competing) st.value = '';
    const evidence = ind.details.find(d => d.per_site && d.role === 'evidence');
    const files = ind.details.find(d => d.per_site && d.accept);
    let ev = null;
    if (evidence) {
      ev = el('textarea', { id: prefix + '-site-evidence', rows: '2', 'aria-label': evidence.label + ', ' + where });
      const v = fieldState(siteKey(evidence.name, where)).value;
      ev.value = v == null ? '' : String(v);
      ev.addEventListener('change', () => save(evidence.name, ev.value));
    }
    return el('section', { className: 'team-site', 'data-site': where }, el('h3', { text: t('bySite') }),
      sitesOf(ind.name).length ? null : el('p', { className: 'muted', text: t('siteNone') }),
      el('label', { className: 'qlabel', for: prefix + '-site', text: t('siteOf') }), choose,
      f.competing ? el('p', { className: 'team-conflict', text: t('siteSplit', where) }) : null,
      f.competing ? el('ul', { className: 'team-competing' }, f.competing.map(c =>
        el('li', {}, el('bdi', { text: t('said', roleLabel(c.author), statusLabel(c.value)) })))) : null,
      el('label', { className: 'qlabel', for: prefix + '-site-status', text: t('status') }), st,
      evidence ? [el('label', { className: 'qlabel', for: prefix + '-site-evidence', text: evidence.label }), ev] : null,
      files ? [el('label', { className: 'qlabel', for: prefix + '-site-files', text: files.label }),
        fileControl(ind, files, prefix + '-site-files', where)] : null, note);
  }

  // Laptop: the table, with the details of one indicator in a side panel.
  function table(shown) {
    const head = el('tr', {}, el('th', { scope: 'col', text: t('indicator') }), el('th', { scope: 'col', text: t('status') }),
      COLUMNS.map(([, key]) => el('th', { scope: 'col', text: t(key) })));
    const tbody = el('tbody');
    let element = null;
    for (const ind of shown) {
      if (ind.element !== element) {
        element = ind.element;
        const e = A.data.layout.principles.find(p => p.id === ind.principle).elements.find(x => x.id === element);
        tbody.append(el('tr', { className: 'team-element' }, el('th', { colspan: '6', scope: 'colgroup', text: e.label })));
      }
      tbody.append(row(ind));
    }
    return el('div', { className: 'team-scroll' }, el('table', { className: 'team-table' }, el('thead', {}, head), tbody));
  }
  function row(ind) {
    const tr = el('tr', { 'data-indicator': ind.name, className: 'team-' + standing(ind) },
      el('td', {}, el('button', { type: 'button', className: 'link', 'aria-label': t('details') + ' ' + ind.code,
        on: { click: () => { A.at = ind.name; rememberAt(ind); showPanel(ind); } } }, el('span', { className: 'code', text: ind.code })),
      el('span', { className: 'team-label', text: statement(ind) })),
      el('td', {}, statusSelect(ind, 'st-' + ind.name), marks(ind)),
      COLUMNS.map(([role]) => {
        const d = ind.details.find(x => x.role === role);
        return el('td', {}, d ? detailControl(ind, d, 'd-' + d.name, false) : null);
      }));
    tr.addEventListener('focusin', () => { A.at = ind.name; });
    return tr;
  }
  function redrawIndicator(ind) {
    const tr = document.querySelector('tr[data-indicator="' + ind.name + '"]');
    const active = document.activeElement && document.activeElement.id;
    if (tr) tr.replaceWith(row(ind));
    const card = document.querySelector('.team-one[data-indicator="' + ind.name + '"]');
    if (card) card.replaceWith(oneCard(ind, A.single));
    if (A.panelFor === ind.name) showPanel(ind, false);
    if (active) document.getElementById(active)?.focus();
  }
  function panel() { return el('aside', { id: 'team-panel', className: 'team-panel', hidden: true, 'aria-label': t('details') }); }
  function showPanel(ind, focus = true) {
    const p = document.getElementById('team-panel');
    if (!p) return;
    A.panelFor = ind.name;
    const h = el('h2', { tabindex: '-1' }, el('span', { className: 'code', text: ind.code }), ' ', statement(ind));
    // The panel's content through el(), which skips nulls and flattens.
    const content = el('div', {}, h, ind.hint ? el('p', { className: 'hint', text: ind.hint }) : null,
      el('label', { className: 'qlabel', for: 'p-status', text: t('status') }), statusSelect(ind, 'p-status'), marks(ind),
      ind.details.flatMap(d => [el('label', { className: 'qlabel', for: 'p-' + d.name, text: d.label }),
        detailControl(ind, d, 'p-' + d.name, d.multiline)]),
      siteBlock(ind, 'p'),
      el('h3', { text: t('history') }), history(ind),
      el('div', { className: 'actions' }, el('button', { type: 'button', text: t('close'), on: { click: () => {
        p.hidden = true; A.panelFor = null;
        document.querySelector('tr[data-indicator="' + ind.name + '"] button')?.focus();
      } } })));
    p.replaceChildren(content);
    p.hidden = false;
    if (focus) h.focus();
  }
  function history(ind) {
    const items = [];
    const names = [ind.name, ...ind.details.map(d => d.name)];
    // Each site's findings too ("<field>@<site>").
    const keys = names.concat(Object.keys(A.data.fields || {}).filter(k => names.includes(k.split('@')[0]) && k.includes('@')));
    for (const n of keys) {
      const at = n.indexOf('@');
      const base = at < 0 ? n : n.slice(0, at), where = at < 0 ? '' : n.slice(at + 1);
      const d = ind.details.find(x => x.name === base);
      for (const h of ((A.data.fields || {})[n]?.history || [])) {
        const what = base === ind.name ? statusLabel(h.value)
          : Array.isArray(h.value) ? h.value.map(r => (r && r.name) || '?').join(', ') : String(h.value);
        items.push({ at: String(h.at || ''), node: el('li', {}, el('span', { className: 'muted' }, el('bdi', { text: t('at', roleLabel(h.author), String(h.at || '').slice(0, 16).replace('T', ' ')) })), ' — ',
          d ? el('span', { text: d.label + ': ' }) : null, where ? el('bdi', { text: where + ': ' }) : null, el('bdi', { text: what }), h.comment ? el('span', { className: 'muted' }, ' (', el('bdi', { text: h.comment }), ')') : null) });
      }
    }
    if (!items.length) return el('p', { className: 'muted', text: t('noHistory') });
    items.sort((x, y) => (x.at < y.at ? 1 : -1));
    return el('ul', { className: 'team-history' }, items.map(x => x.node));
  }

  // Phone: one indicator at a time, with a button per status.
  function single(shown) {
    let i = Math.max(0, shown.findIndex(x => x.name === A.at));
    A.single = { shown, i };
    const wrap = el('div', { className: 'team-single' });
    const go = (k) => {
      i = Math.min(shown.length - 1, Math.max(0, k));
      A.single.i = i;
      A.at = shown[i].name;
      rememberAt(shown[i]);
      wrap.replaceChildren(oneCard(shown[i], A.single));
      wrap.querySelector('h2')?.focus();
    };
    A.single.go = go;
    wrap.append(oneCard(shown[i], A.single));
    return wrap;
  }
  function oneCard(ind, s) {
    let f = fieldState(ind.name);
    if (f.fromSites) f = { ...f, value: null };  // as statusSelect
    const buttons = el('div', { className: 'team-statuses', role: 'group', 'aria-label': t('status') },
      A.data.layout.statuses.map(st => el('button', { type: 'button', 'data-status': st.name,
        'aria-pressed': String(f.value != null && !f.competing && String(f.value) === st.name), text: st.label,
        on: { click: () => saveField(ind, ind.name, st.name, document.getElementById('team-save')) } })));
    const pos = s.shown.indexOf(ind);
    return el('section', { className: 'team-one team-' + standing(ind), 'data-indicator': ind.name },
      el('p', { className: 'muted', text: t('position', pos + 1, s.shown.length) }),
      el('h2', { tabindex: '-1' }, el('span', { className: 'code', text: ind.code }), ' ', statement(ind)),
      ind.hint ? el('p', { className: 'hint', text: ind.hint }) : null,
      buttons, ...marks(ind),
      ind.details.filter(d => d.role === 'evidence' || d.role === 'comment' || d.accept).flatMap(d =>
        [el('label', { className: 'qlabel', for: 'o-' + d.name, text: d.label }), detailControl(ind, d, 'o-' + d.name, d.multiline)]),
      siteBlock(ind, 'o'),
      el('div', { className: 'actions' },
        el('button', { type: 'button', id: 'team-prev', text: t('prev'), disabled: pos <= 0, on: { click: () => s.go(pos - 1) } }),
        el('button', { type: 'button', id: 'team-next', className: 'primary', text: t('next'), disabled: pos >= s.shown.length - 1,
          on: { click: () => s.go(pos + 1) } })));
  }

  // ---- the action plan between rounds -------------------------------------
  // The plan adopted so far for this administration, as the server last
  // sent it. A member's update is a response of its own (the action update
  // form), sealed and queued here; the server applies it at sync, and the
  // next view shows it to every collector.
  function plan() {
    const today = new Date().toISOString().slice(0, 10);
    const statusName = (code) => ((A.data.action_statuses || []).find(x => x.name === code) || { label: code }).label;
    const box = el('section', { id: 'team-plan' }, el('h2', { text: t('plan') }));
    for (const a of A.data.actions) {
      const late = a.deadline && a.deadline < today && a.status !== 'completed';
      // An update saved here and not yet in the server's plan (kept beside
      // its sealed envelope, so a reload still shows it) is shown waiting.
      const waiting = (status, text) => [el('strong', { text: statusName(status) }), text ? ' — ' : '', text ? el('bdi', { text }) : '', ' ',
        el('span', { className: 'team-waiting', text: t('waiting') })];
      const mine = (A.data.unsynced['action:' + a.id] || {}).value;
      const now = el('p', { className: 'team-action-status' }, ...(mine ? waiting(mine.status, mine.note) : [el('strong', { text: statusName(a.status) }),
        a.note ? ' — ' : '', a.note ? el('bdi', { text: a.note }) : '', ' ',
        el('span', { className: 'muted' }, el('bdi', { text: t('lastUpdate', String(a.updated_at || '').slice(0, 10), a.updated_by || '') }))]));
      const said = el('p', { className: 'muted', role: 'status' });
      const sel = el('select', { id: 'action-status-' + a.id, 'aria-label': t('status') + ' ' + a.id },
        (A.data.action_statuses || []).map(x => el('option', { value: x.name, text: x.label, selected: x.name === a.status })));
      const note = el('textarea', { id: 'action-note-' + a.id, rows: '2', 'aria-label': t('actionNote') + ' ' + a.id });
      const form = el('form', { className: 'team-action-form', hidden: true, on: { submit: async (e) => {
        e.preventDefault();
        const btn = form.querySelector('button[type=submit]'); btn.disabled = true;
        const r = await api('POST', base() + '/assessments/' + encodeURIComponent(A.id) + '/actions/' + encodeURIComponent(a.id) + '?lang=' + lang(),
          { status: sel.value, note: note.value, role: unit() }).catch(() => null);
        btn.disabled = false;
        if (!r || !r.ok) { said.className = 'error'; said.textContent = t('failed', (r && r.data && r.data.error) || '—'); return; }
        a.status = sel.value; a.note = note.value;
        A.data.unsynced['action:' + a.id] = { value: { status: a.status, note: a.note } };
        now.replaceChildren(...waiting(a.status, a.note));
        said.className = 'muted'; said.textContent = t('actionSent');
        form.hidden = true;
      } } },
      el('label', { className: 'qlabel', for: sel.id, text: t('status') }), sel,
      el('label', { className: 'qlabel', for: note.id, text: t('actionNote') }), note,
      el('div', { className: 'actions' }, el('button', { type: 'submit', className: 'primary', text: t('saveAction') })));
      box.append(el('article', { className: 'team-action', 'data-action': a.id },
        el('h3', {}, el('span', { className: 'code', text: a.id }), ' ', el('bdi', { text: a.activity || a.objective || '' })),
        el('p', { className: 'muted' }, el('bdi', { text: [a.owner, a.round].filter(Boolean).join(' · ') }),
          a.deadline ? [' · ', el('bdi', { text: t('due', a.deadline) })] : '',
          late ? [' · ', el('span', { className: 'team-overdue', text: t('overdue') })] : ''),
        now,
        el('button', { type: 'button', className: 'update-action', text: t('updateAction'), 'aria-expanded': 'false', on: { click: (e) => {
          form.hidden = !form.hidden;
          e.currentTarget.setAttribute('aria-expanded', String(!form.hidden));
          if (!form.hidden) sel.focus();
        } } }),
        form, said));
    }
    return box;
  }

  // Team members' phones (team_access.cpp): a one-time pass, shown as a
  // QR code and a link, lets one phone open the team page.
  function phones(count) {
    const shown = el('div', { id: 'team-pass' });
    const box = el('section', { id: 'team-phones' }, el('h2', { text: t('teamPhones') }),
      el('p', { className: 'muted', text: t('teamPhonesIntro') }), shown,
      el('p', { id: 'team-phones-in', text: t('teamPhonesIn', count) }),
      el('div', { className: 'actions' },
        el('button', { type: 'button', id: 'show-team-pass', className: 'primary', text: t('showTeamPass'), on: { click: async () => {
          const r = await api('POST', '/api/v1/admin/team-pass', {}).catch(() => null);
          if (!r || !r.ok) { shown.replaceChildren(el('p', { className: 'error', text: (r && r.data && r.data.error) || t('offline') })); return; }
          shown.replaceChildren(
            el('img', { className: 'qr', src: '/api/v1/admin/team-pass.svg?pass=' + encodeURIComponent(r.data.pass), alt: r.data.url }),
            el('p', {}, el('bdi', { className: 'code', text: r.data.url })),
            el('p', { className: 'muted', role: 'status' }, el('bdi', { text: t('teamPassValid', r.data.valid_until) })));
        } } }),
        count ? el('button', { type: 'button', id: 'sign-out-team', className: 'danger', text: t('signOutTeam'), on: { click: async () => {
          await api('DELETE', '/api/v1/admin/team-phones').catch(() => null);
          ui.admin();
        } } }) : null));
    return box;
  }

  // A team member's phone: joins with the pass its link carried, then
  // lists the team's assessments; without one, says how to get one.
  async function home(message) {
    clear();
    const h1 = el('h1', { tabindex: '-1', text: t('teamHome') });
    app.append(h1);
    const pass = new URLSearchParams(location.search).get('pass');
    if (pass) {
      // The pass is spent now: it must not stay in the address bar or history.
      window.history.replaceState(null, '', '/team');
      const j = await api('POST', '/api/v1/team/join', { pass }).catch(() => null);
      if (!j || !j.ok) message = (j && j.data && j.data.error) || t('offline');
    }
    if (message) app.append(el('p', { className: 'error', role: 'alert', text: message }));
    const s = await api('GET', '/api/v1/team/status').catch(() => null);
    if (!s || !s.ok || !s.data.joined) {
      app.append(el('p', { text: t('teamScan') }));
      return focusMain(h1);
    }
    const box = el('div', { id: 'team-list' });
    app.append(box);
    await list(box);
    app.append(el('div', { className: 'actions' }, el('button', { type: 'button', id: 'team-leave', text: t('teamLeave'), on: { click: async () => {
      await api('POST', '/api/v1/team/leave', {}).catch(() => null);
      home();
    } } })));
    focusMain(h1);
  }

  // The language changed: the same assessment and place, in the new one.
  function reopen() {
    if (!A) return false;
    open(A.id, A.at);
    return true;
  }

  // ---- submitted records, on the admin page ------------------------------
  // Responses to revisable forms, kept (encrypted, under the
  // admin's key) so that they can be corrected; `correct` opens one in the
  // survey page, whose submit seals the next revision.
  function records(list, correct) {
    if (!list.length) return null;
    return el('section', { id: 'records' }, el('h2', { text: t('records') }), el('p', { className: 'muted', text: t('recordsHint') }),
      el('ul', { className: 'drafts' }, list.map(x => el('li', { 'data-reference': x.reference },
        el('strong', { text: x.title || x.form }), ' ', el('bdi', { className: 'code', text: x.reference }), ' ',
        el('span', { className: 'muted' }, el('bdi', { text: t('revisionN', x.revision, String(x.submitted_at || '').slice(0, 10)) }),
          x.edited ? ' · ' + t('edited') : ''), ' ',
        el('button', { type: 'button', className: 'correct', text: t('correct'), on: { click: () => correct(x) } })))));
  }

  return { list, open, reopen, phones, home, records };
};
