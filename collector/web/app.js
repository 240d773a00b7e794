// Equitas collector UI. It draws what the collector's form engine decides
// (relevance, required, errors, calculations) and decides nothing itself.
// Answers live only in this page's memory and in the collector's encrypted
// draft: never in localStorage, IndexedDB, the URL or the history. (On a
// personal phone, localStorage holds half of the draft's key and a section
// number; see keepKeyHalf.)
'use strict';
(function () {
  const T = {
    en: { title: 'Staff surveys', chooseLang: 'Choose your language', chooseSurvey: 'Choose a survey',
      anonymous: 'Anonymous', next: 'Next', back: 'Back', review: 'Review', submit: 'Submit',
      section: 'Section {0} of {1}', goTo: 'Go to section', reviewTitle: 'Review your answers',
      reviewIntro: 'Check your answers. You can go back to any section before you submit.',
      problems: 'Some answers need attention:', noAnswer: 'No answer', edit: 'Edit',
      thanks: 'Thank you', thanksText: 'Your response has been sealed and stored on this collector.',
      reference: 'Reference: {0}', again: 'Start a new response', addRow: 'Add a row', removeRow: 'Remove row {0}',
      row: 'Row {0}', saving: 'Saving…', saved: 'Saved', offline: 'The collector did not answer. Your answers are kept on this page; try again.',
      fixPage: 'Please correct the answers marked in red before going on.',
      timedOut: 'The previous response was cleared after a period without activity.',
      cancel: 'Cancel this response', cancelConfirm: 'Cancel and erase this response?',
      other: 'Please specify', admin: 'Administrator', pin: 'Admin PIN', signIn: 'Sign in', signOut: 'Sign out',
      pending: 'Waiting to sync', synced: 'Synced', drafts: 'Drafts', rejected: 'Rejected',
      lastSync: 'Last sync', never: 'never', syncNow: 'Sync now', syncing: 'Syncing… {0} of {1} sent',
      exportBundle: 'Export bundle for USB', device: 'Device', site: 'Site', server: 'Server',
      phones: 'Phones on this network', resume: 'Resume', discard: 'Discard', noDrafts: 'No drafts.',
      answered: '{0} answers', nextTry: 'Next automatic try: {0}', notEnrolled: 'This collector is not enrolled yet.',
      bundleDone: '{0} submissions written to the file.', leave: 'Leave (keep the draft)', leftDraft: 'The draft is kept; the administrator can resume it from the admin page.', home: 'Back to the surveys',
      stillThere: 'Are you still there?', idleCountdown: 'Without a tap, this response will be erased in {0} s.', stillHere: 'I am still here', comeBack: 'Continue where you left off, or start again?', continueDraft: 'Continue', startAgain: 'Start again', wiped: 'The unfinished response on this device was erased.' , codeTitle: 'Your response code', codeIntro: 'This survey is answered once per person. Type the code printed on your slip (letters and digits; the dashes are optional).', codeLabel: 'Response code', codeGo: 'Continue', plainTeam: 'Or fill in the form alone, outside a team assessment (its scores are never official):' },
    fr: { title: 'Enquêtes auprès du personnel', chooseLang: 'Choisissez votre langue', chooseSurvey: 'Choisissez une enquête',
      anonymous: 'Anonyme', next: 'Suivant', back: 'Précédent', review: 'Vérifier', submit: 'Envoyer',
      section: 'Section {0} sur {1}', goTo: 'Aller à la section', reviewTitle: 'Vérifiez vos réponses',
      reviewIntro: 'Vérifiez vos réponses. Vous pouvez revenir à chaque section avant d’envoyer.',
      problems: 'Certaines réponses sont à revoir :', noAnswer: 'Sans réponse', edit: 'Modifier',
      thanks: 'Merci', thanksText: 'Votre réponse a été scellée et enregistrée sur ce poste.',
      reference: 'Référence : {0}', again: 'Commencer une nouvelle réponse', addRow: 'Ajouter une ligne', removeRow: 'Supprimer la ligne {0}',
      row: 'Ligne {0}', saving: 'Enregistrement…', saved: 'Enregistré', offline: 'Le poste n’a pas répondu. Vos réponses restent sur cette page ; réessayez.',
      fixPage: 'Corrigez les réponses signalées en rouge avant de continuer.',
      timedOut: 'La réponse précédente a été effacée après une période d’inactivité.',
      cancel: 'Annuler cette réponse', cancelConfirm: 'Annuler et effacer cette réponse ?',
      other: 'Précisez', admin: 'Administrateur', pin: 'Code PIN administrateur', signIn: 'Se connecter', signOut: 'Se déconnecter',
      pending: 'En attente de synchronisation', synced: 'Synchronisées', drafts: 'Brouillons', rejected: 'Refusées',
      lastSync: 'Dernière synchronisation', never: 'jamais', syncNow: 'Synchroniser', syncing: 'Synchronisation… {0} sur {1} envoyées',
      exportBundle: 'Exporter un lot pour clé USB', device: 'Appareil', site: 'Site', server: 'Serveur',
      phones: 'Téléphones sur ce réseau', resume: 'Reprendre', discard: 'Supprimer', noDrafts: 'Aucun brouillon.',
      answered: '{0} réponses', nextTry: 'Prochain essai automatique : {0}', notEnrolled: 'Ce poste n’est pas encore inscrit.',
      bundleDone: '{0} réponses écrites dans le fichier.', leave: 'Quitter (garder le brouillon)', leftDraft: 'Le brouillon est conservé ; l’administrateur peut le reprendre depuis la page d’administration.', home: 'Retour aux enquêtes',
      stillThere: 'Êtes-vous toujours là ?', idleCountdown: 'Sans action de votre part, cette réponse sera effacée dans {0} s.', stillHere: 'Je suis toujours là', comeBack: 'Reprendre là où vous en étiez, ou recommencer ?', continueDraft: 'Reprendre', startAgain: 'Recommencer', wiped: 'La réponse inachevée sur cet appareil a été effacée.' , codeTitle: 'Votre code de réponse', codeIntro: 'Chacun répond une seule fois à cette enquête. Saisissez le code imprimé sur votre coupon (lettres et chiffres ; les tirets sont facultatifs).', codeLabel: 'Code de réponse', codeGo: 'Continuer', plainTeam: 'Ou remplir le formulaire seul, hors d’une évaluation d’équipe (ses scores ne sont jamais officiels) :' },
    es: { title: 'Encuestas al personal', chooseLang: 'Elija su idioma', chooseSurvey: 'Elija una encuesta',
      anonymous: 'Anónima', next: 'Siguiente', back: 'Anterior', review: 'Revisar', submit: 'Enviar',
      section: 'Sección {0} de {1}', goTo: 'Ir a la sección', reviewTitle: 'Revise sus respuestas',
      reviewIntro: 'Revise sus respuestas. Puede volver a cualquier sección antes de enviar.',
      problems: 'Algunas respuestas requieren atención:', noAnswer: 'Sin respuesta', edit: 'Editar',
      thanks: 'Gracias', thanksText: 'Su respuesta se ha sellado y guardado en este equipo.',
      reference: 'Referencia: {0}', again: 'Empezar una nueva respuesta', addRow: 'Añadir una fila', removeRow: 'Eliminar la fila {0}',
      row: 'Fila {0}', saving: 'Guardando…', saved: 'Guardado', offline: 'El equipo no respondió. Sus respuestas siguen en esta página; inténtelo de nuevo.',
      fixPage: 'Corrija las respuestas marcadas en rojo antes de continuar.',
      timedOut: 'La respuesta anterior se borró tras un periodo de inactividad.',
      cancel: 'Cancelar esta respuesta', cancelConfirm: '¿Cancelar y borrar esta respuesta?',
      other: 'Especifique', admin: 'Administrador', pin: 'PIN de administrador', signIn: 'Entrar', signOut: 'Salir',
      pending: 'Pendientes de sincronizar', synced: 'Sincronizadas', drafts: 'Borradores', rejected: 'Rechazadas',
      lastSync: 'Última sincronización', never: 'nunca', syncNow: 'Sincronizar ahora', syncing: 'Sincronizando… {0} de {1} enviadas',
      exportBundle: 'Exportar lote para USB', device: 'Dispositivo', site: 'Puesto', server: 'Servidor',
      phones: 'Teléfonos en esta red', resume: 'Reanudar', discard: 'Descartar', noDrafts: 'No hay borradores.',
      answered: '{0} respuestas', nextTry: 'Próximo intento automático: {0}', notEnrolled: 'Este equipo aún no está inscrito.',
      bundleDone: '{0} respuestas escritas en el archivo.', leave: 'Salir (conservar el borrador)', leftDraft: 'El borrador se conserva; el administrador puede reanudarlo desde la página de administración.', home: 'Volver a las encuestas',
      stillThere: '¿Sigue ahí?', idleCountdown: 'Si no toca la pantalla, esta respuesta se borrará en {0} s.', stillHere: 'Sigo aquí', comeBack: '¿Continuar donde lo dejó o empezar de nuevo?', continueDraft: 'Continuar', startAgain: 'Empezar de nuevo', wiped: 'Se borró la respuesta sin terminar de este equipo.' , codeTitle: 'Su código de respuesta', codeIntro: 'Cada persona responde esta encuesta una sola vez. Escriba el código impreso en su papeleta (letras y cifras; los guiones son opcionales).', codeLabel: 'Código de respuesta', codeGo: 'Continuar', plainTeam: 'O rellenar el formulario por su cuenta, fuera de una evaluación del equipo (sus puntuaciones nunca son oficiales):' },
    ru: { title: 'Опросы сотрудников', chooseLang: 'Выберите язык', chooseSurvey: 'Выберите опрос',
      anonymous: 'Анонимно', next: 'Далее', back: 'Назад', review: 'Проверить', submit: 'Отправить',
      section: 'Раздел {0} из {1}', goTo: 'Перейти к разделу', reviewTitle: 'Проверьте ответы',
      reviewIntro: 'Проверьте ответы. До отправки можно вернуться к любому разделу.',
      problems: 'Некоторые ответы требуют внимания:', noAnswer: 'Нет ответа', edit: 'Изменить',
      thanks: 'Спасибо', thanksText: 'Ваш ответ зашифрован и сохранён на этом устройстве.',
      reference: 'Номер: {0}', again: 'Начать новый ответ', addRow: 'Добавить строку', removeRow: 'Удалить строку {0}',
      row: 'Строка {0}', saving: 'Сохранение…', saved: 'Сохранено', offline: 'Устройство не ответило. Ответы остаются на этой странице; попробуйте ещё раз.',
      fixPage: 'Исправьте ответы, отмеченные красным, чтобы продолжить.',
      timedOut: 'Предыдущий ответ удалён после периода бездействия.',
      cancel: 'Отменить этот ответ', cancelConfirm: 'Отменить и удалить этот ответ?',
      other: 'Уточните', admin: 'Администратор', pin: 'PIN-код администратора', signIn: 'Войти', signOut: 'Выйти',
      pending: 'Ожидают синхронизации', synced: 'Синхронизировано', drafts: 'Черновики', rejected: 'Отклонено',
      lastSync: 'Последняя синхронизация', never: 'никогда', syncNow: 'Синхронизировать', syncing: 'Синхронизация… отправлено {0} из {1}',
      exportBundle: 'Экспорт пакета на USB', device: 'Устройство', site: 'Пост', server: 'Сервер',
      phones: 'Телефоны в этой сети', resume: 'Продолжить', discard: 'Удалить', noDrafts: 'Черновиков нет.',
      answered: 'ответов: {0}', nextTry: 'Следующая автоматическая попытка: {0}', notEnrolled: 'Устройство ещё не зарегистрировано.',
      bundleDone: 'В файл записано ответов: {0}.', leave: 'Выйти (сохранить черновик)', leftDraft: 'Черновик сохранён; администратор может продолжить его на странице администратора.', home: 'К списку опросов',
      stillThere: 'Вы ещё здесь?', idleCountdown: 'Если ничего не нажать, этот ответ будет удалён через {0} с.', stillHere: 'Я здесь', comeBack: 'Продолжить с того места, где вы остановились, или начать заново?', continueDraft: 'Продолжить', startAgain: 'Начать заново', wiped: 'Незавершённый ответ на этом устройстве удалён.' , codeTitle: 'Ваш код для ответа', codeIntro: 'На эту анкету каждый отвечает один раз. Введите код, напечатанный на вашем талоне (буквы и цифры; дефисы можно не вводить).', codeLabel: 'Код для ответа', codeGo: 'Продолжить', plainTeam: 'Или заполнить форму самостоятельно, вне командной оценки (её баллы никогда не бывают официальными):' },
    ar: { title: 'استبيانات الموظفين', chooseLang: 'اختر لغتك', chooseSurvey: 'اختر استبيانًا',
      anonymous: 'مجهول الهوية', next: 'التالي', back: 'السابق', review: 'مراجعة', submit: 'إرسال',
      section: 'القسم {0} من {1}', goTo: 'انتقل إلى القسم', reviewTitle: 'راجع إجاباتك',
      reviewIntro: 'راجع إجاباتك. يمكنك العودة إلى أي قسم قبل الإرسال.',
      problems: 'بعض الإجابات تحتاج إلى مراجعة:', noAnswer: 'لا إجابة', edit: 'تعديل',
      thanks: 'شكرًا لك', thanksText: 'تم تشفير إجابتك وحفظها على هذا الجهاز.',
      reference: 'المرجع: {0}', again: 'بدء إجابة جديدة', addRow: 'إضافة صف', removeRow: 'حذف الصف {0}',
      row: 'الصف {0}', saving: 'جارٍ الحفظ…', saved: 'تم الحفظ', offline: 'لم يستجب الجهاز. إجاباتك باقية في هذه الصفحة؛ حاول مرة أخرى.',
      fixPage: 'يُرجى تصحيح الإجابات المعلَّمة باللون الأحمر قبل المتابعة.',
      timedOut: 'حُذفت الإجابة السابقة بعد فترة من عدم النشاط.',
      cancel: 'إلغاء هذه الإجابة', cancelConfirm: 'هل تريد إلغاء هذه الإجابة وحذفها؟',
      other: 'يُرجى التحديد', admin: 'المسؤول', pin: 'رمز PIN للمسؤول', signIn: 'تسجيل الدخول', signOut: 'تسجيل الخروج',
      pending: 'بانتظار المزامنة', synced: 'تمت مزامنتها', drafts: 'المسودات', rejected: 'مرفوضة',
      lastSync: 'آخر مزامنة', never: 'أبدًا', syncNow: 'مزامنة الآن', syncing: 'جارٍ المزامنة… أُرسل {0} من {1}',
      exportBundle: 'تصدير حزمة إلى USB', device: 'الجهاز', site: 'الموقع', server: 'الخادم',
      phones: 'الهواتف على هذه الشبكة', resume: 'استئناف', discard: 'حذف', noDrafts: 'لا توجد مسودات.',
      answered: '{0} إجابة', nextTry: 'المحاولة التلقائية التالية: {0}', notEnrolled: 'هذا الجهاز غير مسجَّل بعد.',
      bundleDone: 'كُتبت {0} إجابة في الملف.', leave: 'خروج (مع الاحتفاظ بالمسودة)', leftDraft: 'تم الاحتفاظ بالمسودة؛ يمكن للمسؤول استئنافها من صفحة الإدارة.', home: 'العودة إلى الاستبيانات',
      stillThere: 'هل ما زلت هنا؟', idleCountdown: 'ستُحذف هذه الإجابة بعد {0} ثانية ما لم تلمس الشاشة.', stillHere: 'ما زلت هنا', comeBack: 'هل تريد المتابعة من حيث توقفت أم البدء من جديد؟', continueDraft: 'متابعة', startAgain: 'البدء من جديد', wiped: 'حُذفت الإجابة غير المكتملة على هذا الجهاز.' , codeTitle: 'رمز الإجابة الخاص بك', codeIntro: 'يُجيب كل شخص عن هذا الاستبيان مرة واحدة. اكتب الرمز المطبوع على قسيمتك (حروف وأرقام، والشرطات اختيارية).', codeLabel: 'رمز الإجابة', codeGo: 'متابعة', plainTeam: 'أو املأ الاستمارة بمفردك خارج تقييم الفريق (ودرجاتها ليست رسمية أبدًا):' },
    pt: { title: 'Inquéritos ao pessoal', chooseLang: 'Escolha a sua língua', chooseSurvey: 'Escolha um inquérito',
      anonymous: 'Anónimo', next: 'Seguinte', back: 'Anterior', review: 'Rever', submit: 'Enviar',
      section: 'Secção {0} de {1}', goTo: 'Ir para a secção', reviewTitle: 'Reveja as suas respostas',
      reviewIntro: 'Verifique as suas respostas. Pode voltar a qualquer secção antes de enviar.',
      problems: 'Algumas respostas precisam de atenção:', noAnswer: 'Sem resposta', edit: 'Alterar',
      thanks: 'Obrigado', thanksText: 'A sua resposta foi selada e guardada neste equipamento.',
      reference: 'Referência: {0}', again: 'Começar uma nova resposta', addRow: 'Acrescentar uma linha', removeRow: 'Eliminar a linha {0}',
      row: 'Linha {0}', saving: 'A guardar…', saved: 'Guardado', offline: 'O equipamento não respondeu. As suas respostas continuam nesta página; tente de novo.',
      fixPage: 'Corrija as respostas assinaladas a vermelho antes de continuar.',
      timedOut: 'A resposta anterior foi apagada após um período sem atividade.',
      cancel: 'Cancelar esta resposta', cancelConfirm: 'Cancelar e apagar esta resposta?',
      other: 'Especifique', admin: 'Administrador', pin: 'PIN de administrador', signIn: 'Entrar', signOut: 'Sair',
      pending: 'A aguardar sincronização', synced: 'Sincronizadas', drafts: 'Rascunhos', rejected: 'Recusadas',
      lastSync: 'Última sincronização', never: 'nunca', syncNow: 'Sincronizar agora', syncing: 'A sincronizar… {0} de {1} enviadas',
      exportBundle: 'Exportar lote para USB', device: 'Equipamento', site: 'Posto', server: 'Servidor',
      phones: 'Telemóveis nesta rede', resume: 'Retomar', discard: 'Eliminar', noDrafts: 'Não há rascunhos.',
      answered: '{0} respostas', nextTry: 'Próxima tentativa automática: {0}', notEnrolled: 'Este equipamento ainda não está registado.',
      bundleDone: '{0} respostas escritas no ficheiro.', leave: 'Sair (manter o rascunho)', leftDraft: 'O rascunho foi guardado; o administrador pode retomá-lo na página de administração.', home: 'Voltar aos inquéritos',
      stillThere: 'Ainda está aí?', idleCountdown: 'Sem um toque no ecrã, esta resposta será apagada dentro de {0} s.', stillHere: 'Ainda estou aqui', comeBack: 'Continuar onde parou, ou recomeçar?', continueDraft: 'Continuar', startAgain: 'Recomeçar', wiped: 'A resposta inacabada neste equipamento foi apagada.' , codeTitle: 'O seu código de resposta', codeIntro: 'Cada pessoa responde a este inquérito uma só vez. Escreva o código impresso no seu talão (letras e algarismos; os hífenes são opcionais).', codeLabel: 'Código de resposta', codeGo: 'Continuar', plainTeam: 'Ou preencher o formulário sozinho, fora de uma avaliação da equipa (as suas pontuações nunca são oficiais):' },
  };
  // File questions (photos, documents: issue 18).
  const FILE_T = {
    en: { takePhoto: 'Take a photo', chooseFile: 'Choose a file', removeFile: 'Remove {0}', addingFile: 'Adding {0}…',
      fileTooBig: '{0} is too large: at most {1} per file.', fileNotAccepted: '{0} cannot be attached here (accepted: {1}).',
      tooManyFiles: 'At most {0} files here. Remove one to add another.', fileFailed: '{0} was not added: {1}',
      filesCount: '{0} file(s)' },
    fr: { takePhoto: 'Prendre une photo', chooseFile: 'Choisir un fichier', removeFile: 'Retirer {0}', addingFile: 'Ajout de {0}…',
      fileTooBig: '{0} est trop volumineux : {1} au plus par fichier.', fileNotAccepted: '{0} ne peut pas être joint ici (acceptés : {1}).',
      tooManyFiles: '{0} fichiers au plus ici. Retirez-en un pour en ajouter un autre.', fileFailed: '{0} n’a pas été ajouté : {1}',
      filesCount: '{0} fichier(s)' },
    es: { takePhoto: 'Tomar una foto', chooseFile: 'Elegir un archivo', removeFile: 'Quitar {0}', addingFile: 'Añadiendo {0}…',
      fileTooBig: '{0} es demasiado grande: {1} como máximo por archivo.', fileNotAccepted: '{0} no se puede adjuntar aquí (se aceptan: {1}).',
      tooManyFiles: 'Como máximo {0} archivos aquí. Quite uno para añadir otro.', fileFailed: '{0} no se añadió: {1}',
      filesCount: '{0} archivo(s)' },
    ru: { takePhoto: 'Сделать фото', chooseFile: 'Выбрать файл', removeFile: 'Убрать {0}', addingFile: 'Добавляется {0}…',
      fileTooBig: 'Файл {0} слишком велик: не более {1} на файл.', fileNotAccepted: 'Файл {0} нельзя приложить здесь (допускаются: {1}).',
      tooManyFiles: 'Здесь не более {0} файлов. Уберите один, чтобы добавить другой.', fileFailed: 'Файл {0} не добавлен: {1}',
      filesCount: 'Файлов: {0}' },
    ar: { takePhoto: 'التقاط صورة', chooseFile: 'اختيار ملف', removeFile: 'إزالة {0}', addingFile: 'جارٍ إضافة {0}…',
      fileTooBig: 'الملف {0} كبير جدًا: الحد الأقصى {1} لكل ملف.', fileNotAccepted: 'لا يمكن إرفاق {0} هنا (المقبول: {1}).',
      tooManyFiles: 'الحد الأقصى هنا {0} ملفات. أزل ملفًا لإضافة آخر.', fileFailed: 'لم تتم إضافة {0}: {1}',
      filesCount: 'عدد الملفات: {0}' },
    pt: { takePhoto: 'Tirar uma fotografia', chooseFile: 'Escolher um ficheiro', removeFile: 'Remover {0}', addingFile: 'A adicionar {0}…',
      fileTooBig: '{0} é demasiado grande: no máximo {1} por ficheiro.', fileNotAccepted: '{0} não pode ser anexado aqui (aceites: {1}).',
      tooManyFiles: 'No máximo {0} ficheiros aqui. Remova um para adicionar outro.', fileFailed: '{0} não foi adicionado: {1}',
      filesCount: '{0} ficheiro(s)' },
  };
  for (const l of Object.keys(FILE_T)) Object.assign(T[l], FILE_T[l]);
  // Long and cascading choice lists (select_one_from_file, issue 19).
  const CHOICE_T = {
    en: { searchChoices: 'Search the list', moreChoices: '{0} more: type a few letters to narrow the list.',
      noChoicesYet: 'The choices depend on the answers above.' },
    fr: { searchChoices: 'Chercher dans la liste', moreChoices: '{0} de plus : tapez quelques lettres pour réduire la liste.',
      noChoicesYet: 'Les choix dépendent des réponses ci-dessus.' },
    es: { searchChoices: 'Buscar en la lista', moreChoices: '{0} más: escriba algunas letras para acotar la lista.',
      noChoicesYet: 'Las opciones dependen de las respuestas anteriores.' },
    ru: { searchChoices: 'Поиск по списку', moreChoices: 'Ещё {0}: введите несколько букв, чтобы сузить список.',
      noChoicesYet: 'Варианты зависят от ответов выше.' },
    ar: { searchChoices: 'ابحث في القائمة', moreChoices: '{0} خيارات أخرى: اكتب بضعة أحرف لتضييق القائمة.',
      noChoicesYet: 'تعتمد الخيارات على الإجابات أعلاه.' },
    pt: { searchChoices: 'Procurar na lista', moreChoices: 'Mais {0}: escreva algumas letras para reduzir a lista.',
      noChoicesYet: 'As opções dependem das respostas acima.' },
  };
  for (const l of Object.keys(CHOICE_T)) Object.assign(T[l], CHOICE_T[l]);
  // Locations (geopoint, issue 19).
  const GEO_T = {
    en: { latitude: 'Latitude (degrees, e.g. 12.3456)', longitude: 'Longitude (degrees, e.g. -1.2345)',
      useLocation: 'Use this device\'s location', stopLocation: 'Stop reading the location', locating: 'Reading the location…',
      accuracy: 'Accurate to about {0} m.', locationDenied: 'The location could not be read; type the coordinates.',
      locationManual: 'Type the coordinates from a GPS or a map: this page cannot read the phone\'s location over the post\'s network.' },
    fr: { latitude: 'Latitude (degrés, p. ex. 12.3456)', longitude: 'Longitude (degrés, p. ex. -1.2345)',
      useLocation: 'Utiliser la position de cet appareil', stopLocation: 'Arrêter la lecture de la position', locating: 'Lecture de la position…',
      accuracy: 'Précision d’environ {0} m.', locationDenied: 'La position n’a pas pu être lue ; saisissez les coordonnées.',
      locationManual: 'Saisissez les coordonnées d’un GPS ou d’une carte : cette page ne peut pas lire la position du téléphone sur le réseau du poste.' },
    es: { latitude: 'Latitud (grados, p. ej. 12.3456)', longitude: 'Longitud (grados, p. ej. -1.2345)',
      useLocation: 'Usar la ubicación de este dispositivo', stopLocation: 'Dejar de leer la ubicación', locating: 'Leyendo la ubicación…',
      accuracy: 'Precisión de unos {0} m.', locationDenied: 'No se pudo leer la ubicación; escriba las coordenadas.',
      locationManual: 'Escriba las coordenadas de un GPS o de un mapa: esta página no puede leer la ubicación del teléfono en la red del puesto.' },
    ru: { latitude: 'Широта (градусы, например 12.3456)', longitude: 'Долгота (градусы, например -1.2345)',
      useLocation: 'Определить местоположение устройства', stopLocation: 'Остановить определение', locating: 'Определяется местоположение…',
      accuracy: 'Точность около {0} м.', locationDenied: 'Не удалось определить местоположение; введите координаты.',
      locationManual: 'Введите координаты с GPS-приёмника или карты: эта страница не может определить местоположение телефона в сети поста.' },
    ar: { latitude: 'خط العرض (بالدرجات، مثل 12.3456)', longitude: 'خط الطول (بالدرجات، مثل -1.2345)',
      useLocation: 'استخدام موقع هذا الجهاز', stopLocation: 'إيقاف قراءة الموقع', locating: 'جارٍ قراءة الموقع…',
      accuracy: 'الدقة نحو {0} م.', locationDenied: 'تعذرت قراءة الموقع؛ اكتب الإحداثيات.',
      locationManual: 'اكتب الإحداثيات من جهاز GPS أو من خريطة: لا تستطيع هذه الصفحة قراءة موقع الهاتف عبر شبكة المركز.' },
    pt: { latitude: 'Latitude (graus, p. ex. 12.3456)', longitude: 'Longitude (graus, p. ex. -1.2345)',
      useLocation: 'Usar a localização deste dispositivo', stopLocation: 'Parar de ler a localização', locating: 'A ler a localização…',
      accuracy: 'Precisão de cerca de {0} m.', locationDenied: 'Não foi possível ler a localização; escreva as coordenadas.',
      locationManual: 'Escreva as coordenadas de um GPS ou de um mapa: esta página não consegue ler a localização do telemóvel na rede do posto.' },
  };
  for (const l of Object.keys(GEO_T)) Object.assign(T[l], GEO_T[l]);
  const LANGS = ['en', 'fr', 'es', 'ru', 'ar', 'pt'];

  const app = document.getElementById('app');
  const live = document.getElementById('live');
  const langSelect = document.getElementById('lang');
  let lang = pickLanguage();
  let S = null;            // the survey in progress: {form, draft, answers, ev, page, touched, code}
  let codeForms = new Set(); // forms that ask for a response code (one response per person)
  let mode = 'kiosk';      // who holds this device: 'kiosk' (shared) or 'personal' (the respondent's phone)
  let idleSeconds = 900;
  let countdownSeconds = 30;
  let idleTimer = null;
  let countdownTimer = null;
  let saveTimer = null;
  let saveSeq = 0;
  // The team page of a team assessment (team.js), opened from the admin page
  // or on a team member's phone (/team). Fetched only there: a respondent's
  // first page never loads it. On a phone that joined with a team pass its
  // calls go to /api/v1/team; on the laptop, behind the PIN, to /api/v1/admin.
  const onPhone = () => location.pathname === '/team';
  let team = null;
  function teamModule() {
    if (team) return Promise.resolve(team);
    const fetched = (node) => new Promise((resolve, reject) => {
      node.addEventListener('load', resolve);
      node.addEventListener('error', () => { node.remove(); reject(new Error(node.src || node.href)); });
      document.head.append(node);
    });
    return Promise.all([fetched(el('link', { rel: 'stylesheet', href: '/team.css' })), fetched(el('script', { src: '/team.js' }))])
      .then(() => {
        team = team || window.EquitasTeam({ el, api, app, clear, focusMain, announce, scaled, onPhone, admin: () => admin(),
          base: () => (onPhone() ? '/api/v1/team' : '/api/v1/admin'), back: () => (onPhone() ? teamHome() : admin()) });
        return team;
      });
  }
  async function teamHome() {
    setLanguage(lang);
    (await teamModule()).home();
  }

  function pickLanguage() {
    for (const l of navigator.languages || [navigator.language || 'en']) {
      const base = String(l).slice(0, 2).toLowerCase();
      if (LANGS.includes(base)) return base;
    }
    return 'en';
  }
  function t(key, ...args) {
    const s = (T[lang] && T[lang][key]) || T.en[key] || key;
    return s.replace(/\{(\d)\}/g, (_, i) => String(args[+i] ?? ''));
  }
  function setLanguage(l) {
    lang = LANGS.includes(l) ? l : 'en';
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
    langSelect.value = lang;
    document.getElementById('lang-label').textContent = t('chooseLang');
  }
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v == null) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (k === 'className') e.className = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c != null) e.append(c);
    return e;
  }
  function announce(text) { live.textContent = ''; setTimeout(() => { live.textContent = text; }, 30); }
  function clear() { app.replaceChildren(); window.scrollTo(0, 0); }
  function focusMain(h) { (h || app).focus({ preventScroll: false }); }

  // The page's half of the draft key (the other half is in an HttpOnly
  // cookie). Where it is kept decides who can come back to a response:
  // - kiosk, anonymous survey: this page's memory only. A reload, another tab
  //   or the next officer opening / starts without it, and the collector
  //   deletes the draft such a page asks for (web_api.cpp, get_draft);
  // - a GEOAT draft: sessionStorage, which dies with the tab, so the admin
  //   page can hand a resumed draft to the survey page;
  // - personal mode: localStorage, so the respondent's own phone gets the
  //   response back after a reload, a closed tab or a phone call. Beside it
  //   only the section number is kept; never an answer.
  const KEY_HALF = 'eq_draft_key';
  const PAGE_AT = 'eq_draft_page';
  let keyHalf = null;
  function keepKeyHalf(k, form) {
    if (!k) return;
    keyHalf = k;
    if (mode === 'personal') localStorage.setItem(KEY_HALF, k);
    else if (!form || !form.anonymous) sessionStorage.setItem(KEY_HALF, k);
  }
  function storedKeyHalf() { return keyHalf || sessionStorage.getItem(KEY_HALF) || localStorage.getItem(KEY_HALF); }
  function dropKeyHalf() {
    keyHalf = null;
    sessionStorage.removeItem(KEY_HALF);
    localStorage.removeItem(KEY_HALF);
    localStorage.removeItem(PAGE_AT);
  }
  function learnMode(d) {
    mode = d.mode === 'personal' ? 'personal' : 'kiosk';
    idleSeconds = d.anonymous_idle_seconds || idleSeconds;
    countdownSeconds = d.idle_countdown_seconds || countdownSeconds;
  }

  async function api(method, path, body) {
    const opts = { method, credentials: 'same-origin', cache: 'no-store', headers: {} };
    const half = storedKeyHalf();
    if (half && path.startsWith('/api/v1/draft')) opts.headers['X-Draft-Key'] = half;
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    const res = await fetch(path, opts);
    let data = null;
    if ((res.headers.get('Content-Type') || '').startsWith('application/json')) data = await res.json();
    return { status: res.status, ok: res.ok, data, res };
  }

  // ---- idle timeout (kiosk) -------------------------------------------
  // Only a shared device wipes on idle, and only the anonymous surveys: the
  // GEOAT team's draft waits for the admin, and a phone's for its owner.
  function armIdle() {
    clearTimeout(idleTimer);
    if (!S || !S.form.anonymous || mode !== 'kiosk' || document.getElementById('idle')) return;
    idleTimer = setTimeout(askStillThere, idleSeconds * 1000);
  }
  ['keydown', 'pointerdown', 'input'].forEach(ev => document.addEventListener(ev, () => { if (S) armIdle(); }, true));

  // "Are you still there?", with the seconds left before the response is
  // erased on the collector and in this page.
  function askStillThere() {
    let left = countdownSeconds;
    const count = el('p', { id: 'idle-count', text: t('idleCountdown', left) });
    const h = el('h2', { id: 'idle-title', tabindex: '-1', text: t('stillThere') });
    const dialog = el('div', { id: 'idle', className: 'idle', role: 'alertdialog', 'aria-modal': 'true',
      'aria-labelledby': 'idle-title', 'aria-describedby': 'idle-count' }, h, count,
      el('div', { className: 'actions center' }, el('button', { type: 'button', id: 'still-here', className: 'primary',
        text: t('stillHere'), on: { click: () => {
          clearInterval(countdownTimer);
          dialog.remove();
          app.inert = false;
          // A save tells the collector too: its own clock only sees saves.
          save(false);
          armIdle();
        } } })));
    // Modal: typing on the page behind would be lost when the count ends.
    app.inert = true;
    document.body.append(dialog);
    h.focus();
    announce(t('stillThere') + ' ' + t('idleCountdown', left));
    countdownTimer = setInterval(async () => {
      left -= 1;
      count.textContent = t('idleCountdown', Math.max(0, left));
      if (left > 0) return;
      clearInterval(countdownTimer);
      await api('DELETE', '/api/v1/draft').catch(() => {});
      forget();
      start(t('timedOut'));
    }, 1000);
  }

  // Drops everything of the respondent from this page's memory.
  function forget() {
    clearTimeout(saveTimer); clearTimeout(idleTimer); clearInterval(countdownTimer);
    const dialog = document.getElementById('idle');
    if (dialog) dialog.remove();
    app.inert = false;
    S = null;
    dropKeyHalf();
    app.replaceChildren();
    history.replaceState(null, '', location.pathname === '/admin' ? '/admin' : '/');
  }

  // ---- start: language and survey -------------------------------------
  async function start(message) {
    setLanguage(lang);
    clear();
    const r = await api('GET', '/api/v1/forms?lang=' + lang).catch(() => null);
    if (!r || !r.ok) { app.append(el('p', { className: 'error', text: t('offline') })); return; }
    learnMode(r.data);
    const h1 = el('h1', { text: t('title'), tabindex: '-1' });
    const langs = el('div', { className: 'langs', role: 'group', 'aria-label': t('chooseLang') },
      LANGS.map(l => el('button', { type: 'button', lang: l, 'aria-pressed': String(l === lang),
        text: langSelect.querySelector('option[value="' + l + '"]').textContent,
        on: { click: () => { setLanguage(l); start(); } } })));
    app.append(h1);
    if (message) app.append(el('p', { className: 'note', role: 'status', text: message }));
    app.append(el('h2', { text: t('chooseLang') }), langs, el('h2', { text: t('chooseSurvey') }));
    codeForms = new Set(r.data.forms.filter(f => f.codes).map(f => f.id));
    for (const f of r.data.forms) {
      app.append(el('button', { type: 'button', className: 'survey', 'data-form': f.id, on: { click: () => begin(f.id) } },
        el('strong', { text: f.title }),
        f.description ? el('span', { className: 'muted', text: f.description }) : null,
        f.anonymous ? el('span', { className: 'badge', text: t('anonymous') }) : null));
    }
    focusMain(h1);
  }

  async function loadForm(id, version) {
    const r = await api('GET', '/api/v1/forms/' + encodeURIComponent(id) + '?lang=' + lang +
      (version ? '&version=' + encodeURIComponent(version) : ''));
    if (!r.ok) throw new Error(r.data && r.data.error || 'form');
    const types = new Set();
    const collect = items => (items || []).forEach(i => { types.add(i.type); collect(i.items); });
    r.data.pages.forEach(p => collect(p.items));
    const wanted = new Set([...types].map(type => LAZY_TYPES[type]).filter(m => m && !lazy[m]));
    await Promise.all([...wanted].map(loadModule));
    return r.data;
  }

  // Question types few forms have are drawn by a file of their own,
  // fetched from the collector for the first form that has one, so that the
  // first page of every other survey stays within its 100 KB: geo.js
  // (geotrace, geoshape) and scan.js (barcode). Each hands back render().
  const LAZY_TYPES = { geotrace: 'geo', geoshape: 'geo', barcode: 'scan' };
  const FACTORIES = { geo: 'EquitasGeoList', scan: 'EquitasScan' };
  const lazy = {};
  function loadModule(name) {
    return new Promise((resolve, reject) => {
      const script = el('script', { src: '/' + name + '.js' });
      script.addEventListener('load', () => {
        lazy[name] = window[FACTORIES[name]]({ el, t, changed, getAnswer, wrapper, hintAndError, labelNodes, idFor,
          coordField, canLocate, pointOf, pointText, locateButton, renderInput,
          addStrings: table => { for (const l of Object.keys(table)) Object.assign(T[l], table[l]); } });
        resolve();
      });
      script.addEventListener('error', () => { script.remove(); reject(new Error(name + '.js')); });
      document.head.append(script);
    });
  }

  // One response per person: the respondent's single-use code, typed (or
  // pasted from a phone's QR reader). Kept in this page's memory only, for
  // the submit; a page that lost it (a reload) asks again there.
  function askCode(error, typed, go) {
    clear();
    const h1 = el('h1', { tabindex: '-1', text: t('codeTitle') });
    const input = el('input', { id: 'response-code', type: 'text', autocomplete: 'off', autocapitalize: 'characters',
      spellcheck: 'false', dir: 'ltr', 'aria-describedby': 'code-intro' + (error ? ' code-error' : ''),
      'aria-invalid': error ? 'true' : 'false' });
    input.value = typed || '';
    const form = el('form', { className: 'code', on: { submit: (e) => { e.preventDefault(); go(input.value.trim()); } } },
      el('label', { for: 'response-code', text: t('codeLabel') }), input,
      error ? el('p', { id: 'code-error', className: 'error', role: 'alert', text: error }) : null,
      el('div', { className: 'actions' },
        el('button', { type: 'button', text: t('home'), on: { click: () => start() } }),
        el('button', { type: 'submit', id: 'code-go', className: 'primary', text: t('codeGo') })));
    app.append(h1, el('p', { id: 'code-intro', text: t('codeIntro') }), form);
    if (error) input.focus(); else focusMain(h1);
  }

  async function begin(formId, code) {
    if (codeForms.has(formId) && code === undefined) return askCode('', '', (c) => begin(formId, c));
    const r = await api('POST', '/api/v1/draft', { form: formId, lang, code }).catch(() => null);
    if (r && r.status === 422 && r.data && r.data.code_problem) {
      return askCode(r.data.error, code, (c) => begin(formId, c));
    }
    if (!r || !r.ok) { app.prepend(el('p', { className: 'error', role: 'alert', text: (r && r.data && r.data.error) || t('offline') })); return; }
    const form = await loadForm(formId, r.data.version).catch(() => null);
    if (!form) { app.prepend(el('p', { className: 'error', role: 'alert', text: t('offline') })); return; }
    keepKeyHalf(r.data.key, form);
    S = { form, answers: {}, ev: r.data.evaluation, page: 0, touched: new Set(), code };
    armIdle();
    showPage(0);
  }

  async function resume(d) {
    setLanguage(d.lang);
    const form = await loadForm(d.form, d.version).catch(() => null);
    if (!form) return start(t('offline'));
    S = { form, answers: d.answers || {}, ev: d.evaluation, page: 0, touched: new Set() };
    armIdle();
    const at = +(mode === 'personal' && localStorage.getItem(PAGE_AT)) || 0;
    showPage(at >= 0 && at < form.pages.length ? at : 0);
  }

  // Personal mode: the respondent comes back to an unfinished response
  // (reload, reopened tab, after a call) and chooses; nothing is wiped
  // without asking.
  function askComeBack(d) {
    setLanguage(d.lang);
    clear();
    const h1 = el('h1', { tabindex: '-1', text: t('comeBack') });
    app.append(h1, el('div', { className: 'actions' },
      el('button', { type: 'button', id: 'continue-draft', className: 'primary', text: t('continueDraft'),
        on: { click: () => resume(d) } }),
      el('button', { type: 'button', id: 'start-again', text: t('startAgain'), on: { click: async () => {
        await api('DELETE', '/api/v1/draft').catch(() => {});
        forget();
        start();
      } } })));
    focusMain(h1);
  }

  // ---- answers by path: "name" or "rep[2].child" -------------------------
  // "trees[1].tree_photo": the repeat's path, the row, the name; a nested
  // repeat's path is itself a path ("plots[0].trees").
  function parsePath(path) {
    const m = /^(.+)\[(\d+)\]\.([^.[\]]+)$/.exec(path);
    return m ? { rep: m[1], row: +m[2], name: m[3] } : { name: path };
  }
  function scopeOf(path, create) {
    const p = parsePath(path);
    if (!p.rep) return [S.answers, p.name];
    const rows = getAnswer(p.rep);
    if (!Array.isArray(rows) || !rows[p.row]) return [create ? {} : null, p.name];
    return [rows[p.row], p.name];
  }
  function getAnswer(path) { const [o, k] = scopeOf(path); return o ? o[k] : undefined; }
  function setAnswer(path, value) {
    const [o, k] = scopeOf(path, true);
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete o[k];
    else o[k] = value;
  }
  function state(path) { return (S.ev && S.ev.items && S.ev.items[path]) || {}; }

  // ---- pages -------------------------------------------------------------
  function pageRelevant(i) {
    const p = S.form.pages[i];
    return !p.name || state(p.name).relevant !== false;
  }
  function relevantPages() { return S.form.pages.map((_, i) => i).filter(pageRelevant); }

  function showPage(i) {
    S.page = i;
    S.reviewing = false;
    if (mode === 'personal') localStorage.setItem(PAGE_AT, String(i));
    armBack();
    clear();
    document.title = S.form.title;
    const page = S.form.pages[i];
    const rel = relevantPages();
    const pos = Math.max(0, rel.indexOf(i));
    app.append(el('p', { className: 'muted', text: S.form.title }));
    app.append(el('div', { className: 'progress' },
      el('span', { id: 'progress-text', text: t('section', pos + 1, rel.length) }),
      el('progress', { max: String(rel.length), value: String(pos + 1), 'aria-labelledby': 'progress-text' })));
    if (!S.form.anonymous) app.append(sectionPicker(i));
    const h2 = el('h2', { tabindex: '-1', text: page.label || S.form.title });
    app.append(h2);
    if (page.hint) app.append(el('p', { className: 'hint', text: page.hint }));
    const body = el('div', { id: 'page' });
    renderItems(body, page.items || [], '');
    app.append(body);
    app.append(el('p', { id: 'page-error', className: 'error', role: 'alert' }));
    const last = rel.indexOf(i) === rel.length - 1;
    app.append(el('div', { className: 'actions' },
      pos > 0 ? el('button', { type: 'button', id: 'back', text: t('back'), on: { click: () => go(-1) } }) : null,
      el('span', { className: 'grow' }),
      el('button', { type: 'button', id: 'next', className: 'primary', text: last ? t('review') : t('next'), on: { click: () => go(1) } })));
    // Anonymous: cancel erases. GEOAT: leave keeps the draft for the admin,
    // so a passer-by at the laptop cannot erase the team's work.
    app.append(el('div', { className: 'actions' }, S.form.anonymous
      ? el('button', { type: 'button', id: 'cancel', className: 'danger', text: t('cancel'), on: { click: cancel } })
      : el('button', { type: 'button', id: 'leave', text: t('leave'), on: { click: leave } })));
    applyEvaluation();
    focusMain(h2);
  }

  // Android Back (the browser's history back) moves to the previous
  // section, as in Enketo. One history entry stands in front of the survey;
  // Back pops it, we go back a section and put it there again. On the first
  // section it is not put back, so a second Back leaves as usual. The entry
  // holds no answer and no URL change: only a marker.
  function armBack() {
    if (!history.state || !history.state.eqSection) history.pushState({ eqSection: true }, '');
  }
  window.addEventListener('popstate', () => {
    if (!S) return;
    if (S.reviewing) { const rel = relevantPages(); showPage(rel[rel.length - 1]); return; }
    if (relevantPages().indexOf(S.page) > 0) go(-1);
  });

  function sectionPicker(current) {
    const sel = el('select', { id: 'section-pick', on: { change: e => { flushSave().then(() => showPage(+e.target.value)); } } },
      S.form.pages.map((p, i) => el('option', { value: String(i), text: p.label || S.form.title, hidden: !pageRelevant(i) })));
    sel.value = String(current);
    return el('div', { className: 'sections' }, el('label', { for: 'section-pick', className: 'sr', text: t('goTo') }), sel);
  }

  async function go(dir) {
    const rel = relevantPages();
    const pos = rel.indexOf(S.page);
    if (dir > 0) {
      const r = await save(true);
      if (!r) return;
      // Linear surveys stop at a page with errors; the GEOAT team may move on freely.
      const errs = pageErrors(r.check || []);
      if (errs.length && S.form.anonymous) { showErrors(errs); return; }
      if (pos === rel.length - 1) return showReview();
      return showPage(relevantPages()[pos + 1] ?? rel[pos + 1]);
    }
    await flushSave();
    if (pos > 0) showPage(rel[pos - 1]);
  }

  function pagePaths() {
    return new Set([...document.querySelectorAll('#page [data-path]')].map(n => n.dataset.path));
  }
  function pageErrors(errors) {
    const paths = pagePaths();
    const page = S.form.pages[S.page];
    return errors.filter(e => paths.has(e.path) || paths.has(e.path.replace(/\[\d+\]$/, '')) ||
      (page.name && e.path === page.name));
  }
  function showErrors(errs) {
    for (const e of errs) setError(e.path, e.message, true);
    document.getElementById('page-error').textContent = t('fixPage');
    const first = document.querySelector('#page [aria-invalid="true"]');
    if (first) first.focus();
  }

  async function leave() {
    await flushSave();
    await api('POST', '/api/v1/draft/leave', {}).catch(() => {});
    forget();
    start(t('leftDraft'));
  }

  async function cancel() {
    if (!confirm(t('cancelConfirm'))) return;
    await api('DELETE', '/api/v1/draft').catch(() => {});
    forget();
    start();
  }

  // ---- rendering items ----------------------------------------------------
  function idFor(path) { return 'q-' + path.replace(/[^A-Za-z0-9_-]/g, '_'); }

  function labelNodes(item) {
    const text = item.label || item.name;
    if (item.indicator && text.startsWith(item.indicator)) {
      // The indicator code is Latin inside possibly Arabic text: isolate it.
      return [el('bdi', { className: 'code', text: item.indicator }), text.slice(item.indicator.length)];
    }
    return [text];
  }

  function renderItems(parent, items, prefix) {
    // A GEOAT indicator and the fields named after it (evidence, comment,
    // unit) make one card.
    let card = null, cardPrefix = '';
    for (const item of items) {
      const path = prefix + item.name;
      if (item.indicator) {
        card = el('div', { className: 'card', 'data-card': item.indicator });
        cardPrefix = item.name + '_';
        parent.append(card);
        card.append(renderItem(item, path));
        continue;
      }
      if (card && !item.name.startsWith(cardPrefix)) card = null;
      const node = renderItem(item, path);
      if (node) (card || parent).append(node);
    }
  }

  function wrapper(item, path, tag) {
    const w = el(tag, { className: 'q', 'data-path': path, 'data-type': item.type });
    return w;
  }
  function hintAndError(w, item, path) {
    const ids = [];
    if (item.hint) { w.append(el('p', { className: 'hint', id: 'h-' + idFor(path), text: item.hint })); ids.push('h-' + idFor(path)); }
    w.append(el('p', { className: 'error', id: 'e-' + idFor(path) }));
    ids.push('e-' + idFor(path));
    return ids.join(' ');
  }

  function renderItem(item, path) {
    switch (item.type) {
      case 'group': {
        const g = el('section', { className: 'group', 'data-path': path, 'data-type': 'group' },
          item.label ? el('h3', {}, labelNodes(item)) : null,
          item.hint ? el('p', { className: 'hint', text: item.hint }) : null);
        renderItems(g, item.items || [], path.slice(0, path.length - item.name.length));
        return g;
      }
      case 'repeat': return renderRepeat(item, path);
      case 'note': return el('div', { className: 'note', 'data-path': path, 'data-type': 'note' }, el('p', {}, labelNodes(item)),
        item.hint ? el('p', { className: 'hint', text: item.hint }) : null);
      case 'calculate': return el('div', { hidden: true, 'data-path': path, 'data-type': 'calculate' });
      case 'barcode': return lazy.scan.render(item, path);
      case 'select_one': case 'likert': case 'select_multiple': return renderChoices(item, path);
      case 'image': case 'audio': case 'video': case 'file': return renderFiles(item, path);
      case 'geopoint': return renderGeopoint(item, path);
      case 'geotrace': case 'geoshape': return lazy.geo.render(item, path);
      case 'acknowledge': {
        const w = wrapper(item, path, 'div');
        const id = idFor(path);
        const input = el('input', { type: 'checkbox', id, on: { change: e => changed(path, e.target.checked ? true : undefined, true) } });
        input.checked = getAnswer(path) === true;
        w.append(el('label', { className: 'choice', for: id }, input, el('span', {}, labelNodes(item))));
        input.setAttribute('aria-describedby', hintAndError(w, item, path));
        return w;
      }
      default: return renderInput(item, path);
    }
  }

  function renderInput(item, path) {
    const w = wrapper(item, path, 'div');
    const id = idFor(path);
    w.append(el('label', { className: 'qlabel', for: id }, labelNodes(item)));
    let input;
    const v = getAnswer(path);
    const multiline = item.type === 'text' && /multiline/.test(item.appearance || '');
    if (multiline) input = el('textarea', { id, dir: 'auto', rows: '4' });
    else if (item.type === 'integer') input = el('input', { id, type: 'text', inputmode: 'numeric', autocomplete: 'off' });
    else if (item.type === 'decimal') input = el('input', { id, type: 'text', inputmode: 'decimal', autocomplete: 'off' });
    else if (item.type === 'date') input = el('input', { id, type: 'date' });
    // The browser's own pickers; seconds too, as ODK records them.
    else if (item.type === 'time') input = el('input', { id, type: 'time', step: '1' });
    else if (item.type === 'datetime') input = el('input', { id, type: 'datetime-local', step: '1' });
    else input = el('input', { id, type: 'text', dir: 'auto', autocomplete: 'off' });
    if (item.read_only) input.readOnly = true;
    input.value = v == null ? '' : String(v);
    input.addEventListener('input', () => changed(path, convert(item, input.value), false));
    input.addEventListener('change', () => changed(path, convert(item, input.value), true));
    input.setAttribute('aria-describedby', hintAndError(w, item, path));
    w.insertBefore(input, w.querySelector('#e-' + id));
    return w;
  }

  // ---- geopoint -------------------------------------------------------------
  // Latitude and longitude typed (from a GPS or a map), or read from the
  // device where the browser allows it: the Geolocation API needs a secure
  // page (https, or the laptop's own http://localhost), which a phone on
  // the post's Wi-Fi is not. Readings go on until one's accuracy is within
  // the question's accuracy_threshold. Stored as XForms does:
  // "lat lon altitude accuracy".
  function renderGeopoint(item, path) {
    const w = wrapper(item, path, 'fieldset');
    w.append(el('legend', {}, labelNodes(item)));
    const described = hintAndError(w, item, path);
    const id = idFor(path);
    const parts = String(getAnswer(path) || '').trim().split(/\s+/);
    const [lat, latBox] = coordField(id, 'latitude', parts[0], described);
    const [lon, lonBox] = coordField(id, 'longitude', parts[1], described);
    const status = el('p', { className: 'hint geo-status', 'aria-live': 'polite' });
    let extra = parts.length > 2 ? ' ' + parts.slice(2).join(' ') : '';
    const typed = now => {
      extra = '';
      changed(path, pointText({ lat, lon, extra }) || undefined, now);
    };
    for (const input of [lat, lon]) {
      input.addEventListener('input', () => typed(false));
      input.addEventListener('change', () => typed(true));
    }
    const box = el('div', { className: 'geo' }, latBox, lonBox);
    w.insertBefore(box, w.querySelector('.error'));
    if (canLocate()) {
      const button = locateButton(item, status, t('useLocation'), () => {}, c => {
        const p = pointOf(c);
        lat.value = p.lat;
        lon.value = p.lon;
        extra = p.extra;
        changed(path, lat.value + ' ' + lon.value + extra, true);
      });
      w.insertBefore(button, w.querySelector('.error'));
    } else {
      status.textContent = t('locationManual');
    }
    w.insertBefore(status, w.querySelector('.error'));
    if (extra && parts[3]) status.textContent = t('accuracy', parts[3]);
    return w;
  }

  // A latitude or longitude field (key) and its label.
  function coordField(id, key, value, described) {
    const input = el('input', { id: id + '-' + key, type: 'text', inputmode: 'decimal', dir: 'ltr', autocomplete: 'off',
      'aria-describedby': described });
    input.value = value || '';
    return [input, el('div', { className: 'geo-field' }, el('label', { for: input.id, text: t(key) }), input)];
  }

  // The Geolocation API is offered to secure pages only (https, or the
  // laptop's own http://localhost): not to a phone on the post's Wi-Fi.
  function canLocate() { return !!navigator.geolocation && window.isSecureContext; }

  // A reading as XForms writes a point: degrees to 7 places (about 1 cm),
  // then " altitude accuracy" in metres.
  function pointOf(c) {
    return { lat: String(+c.latitude.toFixed(7)), lon: String(+c.longitude.toFixed(7)),
      extra: ' ' + String(+(c.altitude || 0).toFixed(1)) + ' ' + String(+c.accuracy.toFixed(1)) };
  }

  // A button that takes a fresh reading each second (getCurrentPosition with
  // no cached position) until one's accuracy is within the question's
  // accuracy_threshold or the officer stops: `begin` when it starts,
  // `reading` with each reading's coords, the accuracy shown in `status`.
  function locateButton(item, status, label, begin, reading) {
    let on = false;
    let timer = null;
    const button = el('button', { type: 'button', className: 'geo-locate', text: label });
    const stop = () => {
      on = false;
      clearTimeout(timer);
      button.textContent = label;
    };
    const read = () => navigator.geolocation.getCurrentPosition(p => {
      if (!on) return;
      reading(p.coords);
      status.textContent = t('accuracy', new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(p.coords.accuracy));
      if (!item.accuracy_threshold || p.coords.accuracy <= item.accuracy_threshold) stop();
      else timer = setTimeout(read, 1000);
    }, () => { if (on) { stop(); status.textContent = t('locationDenied'); } },
    { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
    button.addEventListener('click', () => {
      if (on) return stop();
      on = true;
      button.textContent = t('stopLocation');
      status.textContent = t('locating');
      begin();
      read();
    });
    return button;
  }

  // A row's point as XForms text (a decimal comma read as a point), or ''
  // while both fields are empty.
  function pointText(r) {
    const a = r.lat.value.trim(), b = r.lon.value.trim();
    return a || b ? (a + ' ' + b).replace(/,/g, '.') + r.extra : '';
  }

  // ---- files (image, audio, video, file questions) ------------------------
  // The page checks what it can (count, size, type) and scales a photo down
  // to the question's max_pixels before sending it; the collector checks
  // again, encrypts the file under a key of its own and returns its
  // reference, which goes into the answers like any other answer.
  function sizeText(n) {
    const mb = n / (1024 * 1024);
    const fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: mb < 10 ? 1 : 0 });
    return mb >= 1 ? fmt.format(mb) + ' MB' : fmt.format(Math.max(1, Math.round(n / 1024))) + ' KB';
  }
  function accepted(spec, type) {
    const list = (spec && spec.accept) || [];
    if (!list.length) return true;
    type = (type || '').toLowerCase();
    return list.some(a => a === type || (a.endsWith('/*') && type.startsWith(a.slice(0, -1))));
  }
  // A photo larger than max_pixels on its longer side, redrawn smaller as JPEG.
  async function scaled(file, maxPixels) {
    if (!maxPixels || !/^image\/(jpeg|png|webp)$/.test(file.type) || typeof createImageBitmap !== 'function') return file;
    let bmp;
    try { bmp = await createImageBitmap(file); } catch (e) { return file; }
    const longer = Math.max(bmp.width, bmp.height);
    if (longer <= maxPixels) { bmp.close(); return file; }
    const k = maxPixels / longer;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bmp.width * k);
    canvas.height = Math.round(bmp.height * k);
    canvas.getContext('2d').drawImage(bmp, 0, 0, canvas.width, canvas.height);
    bmp.close();
    const blob = await new Promise(res => canvas.toBlob(res, 'image/jpeg', 0.85));
    if (!blob) return file;
    const name = file.name.replace(/\.[^.]*$/, '') + '.jpg';
    return new File([blob], name, { type: 'image/jpeg' });
  }
  const localImages = new Map();  // file id -> object URL of a photo chosen on this page
  async function thumbnail(ref, img) {
    if (!/^image\//.test(ref.type)) return;
    if (localImages.has(ref.id)) { img.src = localImages.get(ref.id); return; }
    const headers = {};
    const half = storedKeyHalf();
    if (half) headers['X-Draft-Key'] = half;
    try {
      const res = await fetch('/api/v1/draft/files/' + encodeURIComponent(ref.id), { credentials: 'same-origin', cache: 'no-store', headers });
      if (res.ok) img.src = URL.createObjectURL(await res.blob());
    } catch (e) { /* the name and size are shown anyway */ }
  }
  function renderFiles(item, path) {
    const w = wrapper(item, path, 'div');
    const id = idFor(path);
    const spec = item.file || {};
    const max = spec.max_files || 1;
    w.append(el('p', { className: 'qlabel', id: 'l-' + id }, labelNodes(item)));
    const described = hintAndError(w, item, path);
    const list = el('ul', { className: 'files', 'aria-labelledby': 'l-' + id });
    const status = el('p', { className: 'muted', role: 'status' });
    const current = () => (Array.isArray(getAnswer(path)) ? getAnswer(path) : []);
    const draw = () => {
      list.replaceChildren();
      for (const ref of current()) {
        const img = el('img', { alt: '', className: 'thumb' });
        const li = el('li', { 'data-file': ref.id },
          /^image\//.test(ref.type) ? img : el('span', { className: 'fileicon', 'aria-hidden': 'true', text: '📄' }),
          el('span', { className: 'filename' }, el('bdi', { text: ref.name }), ' ', el('span', { className: 'muted', text: sizeText(ref.size) })),
          el('button', { type: 'button', className: 'link', text: '✕', 'aria-label': t('removeFile', ref.name),
            on: { click: () => { const rest = current().filter(r => r.id !== ref.id); changed(path, rest.length ? rest : undefined, true); draw(); } } }));
        list.append(li);
        thumbnail(ref, img);
      }
      const full = current().length >= max;
      for (const b of w.querySelectorAll('.addfile')) b.disabled = full;
    };
    const add = async input => {
      const files = Array.from(input.files || []);
      input.value = '';
      for (const chosen of files) {
        if (current().length >= max) { setError(path, t('tooManyFiles', max), true); break; }
        if (!accepted(spec, chosen.type)) { setError(path, t('fileNotAccepted', chosen.name, (spec.accept || []).join(', ')), true); continue; }
        const file = await scaled(chosen, spec.max_pixels);
        if (spec.max_bytes && file.size > spec.max_bytes) { setError(path, t('fileTooBig', file.name, sizeText(spec.max_bytes)), true); continue; }
        status.textContent = t('addingFile', file.name);
        await flushSave();  // the draft must exist on the collector before its file does
        const headers = { 'Content-Type': 'application/octet-stream' };
        const half = storedKeyHalf();
        if (half) headers['X-Draft-Key'] = half;
        let r;
        try {
          const res = await fetch('/api/v1/draft/files?question=' + encodeURIComponent(item.name) + '&name=' + encodeURIComponent(file.name),
            { method: 'POST', credentials: 'same-origin', cache: 'no-store', headers, body: file });
          r = { ok: res.ok, data: (res.headers.get('Content-Type') || '').startsWith('application/json') ? await res.json() : null };
        } catch (e) { r = { ok: false, data: { error: t('offline') } }; }
        status.textContent = '';
        if (!r.ok || !r.data || !r.data.file) { setError(path, t('fileFailed', file.name, (r.data && r.data.error) || ''), true); continue; }
        setError(path, '', true);
        if (/^image\//.test(file.type)) localImages.set(r.data.file.id, URL.createObjectURL(file));
        changed(path, current().concat([r.data.file]), true);
        await flushSave();
        draw();
        announce(t('filesCount', current().length));
      }
    };
    const picker = (capture, text) => {
      // Hidden: its button opens it, and names it for assistive technology.
      const input = el('input', { type: 'file', id: id + (capture ? '-camera' : ''), hidden: true, tabindex: '-1',
        accept: (spec.accept || []).join(','), multiple: !capture && max > 1, capture: capture ? 'environment' : null,
        on: { change: e => add(e.target) } });
      const button = el('button', { type: 'button', className: 'addfile', text, on: { click: () => input.click() } });
      return [input, button];
    };
    const imagesOnly = (spec.accept || []).length > 0 && spec.accept.every(a => a.startsWith('image/'));
    const pickers = el('div', { className: 'filepickers' },
      item.type === 'image' || imagesOnly ? picker(true, t('takePhoto')) : null, picker(false, t('chooseFile')));
    // The error goes last, under the buttons.
    w.append(list, pickers, status, w.querySelector('#e-' + id));
    for (const b of pickers.querySelectorAll('button')) b.setAttribute('aria-describedby', described);
    draw();
    return w;
  }

  function convert(item, text) {
    const s = text.trim();
    if (s === '') return undefined;
    if (item.type === 'integer' && /^-?\d+$/.test(s)) return Number(s);
    if (item.type === 'decimal' && /^-?\d+([.,]\d+)?$/.test(s)) return Number(s.replace(',', '.'));
    return item.type === 'integer' || item.type === 'decimal' ? s : text;
  }

  function renderChoices(item, path) {
    const multi = item.type === 'select_multiple';
    const w = wrapper(item, path, 'fieldset');
    if (item.type === 'likert') w.classList.add('likert');
    w.append(el('legend', {}, labelNodes(item)));
    const described = hintAndError(w, item, path);
    const box = el('div', { className: 'choices' });
    w.insertBefore(box, w.querySelector('.error'));
    w.dataset.choices = '';
    // Each choice's place in the list, for its element id.
    const index = new Map((item.choices || []).map((c, i) => [c, i]));
    w._choices = { item, path, box, described, index, query: '', offered: null };
    fillChoices(w);
    if (item.or_other) showOther(w, item, path);
    return w;
  }

  // The choices a question offers now: those its choice_filter keeps (the
  // collector's evaluation lists them), narrowed by the search box of a
  // long list. Only those are drawn, so a cascade over thousands of places
  // (select_one_from_file) stays light on a cheap phone.
  const LONG_LIST = 20;
  const SHOWN_MAX = 50;
  function offeredChoices(item, path) {
    if (!item.filter) return item.choices || [];
    const allowed = S.ev && S.ev.choices && S.ev.choices[path];
    if (!allowed) return [];
    // In the evaluation's order, which a randomized list shuffles. A list
    // may hold a name twice (allow_choice_duplicates): each is taken once.
    const byName = new Map();
    for (const c of item.choices || []) byName.set(c.name, (byName.get(c.name) || []).concat([c]));
    return allowed.map(n => (byName.get(n) || []).shift()).filter(Boolean);
  }
  function fold(s) { return String(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase(); }
  const offeredKey = offered => offered.map(c => c.name).join('\n');
  function fillChoices(w, offered = offeredChoices(w._choices.item, w._choices.path)) {
    const st = w._choices;
    const { item, path, box, described } = st;
    const multi = item.type === 'select_multiple';
    st.offered = offeredKey(offered);
    const current = getAnswer(path);
    const name = idFor(path);
    const chosen = n => multi ? Array.isArray(current) && current.includes(n) : current === n;
    let search = w.querySelector(':scope > .choice-search');
    if (offered.length > LONG_LIST && !search) {
      const id = name + '-search';
      const input = el('input', { id, type: 'search', dir: 'auto', autocomplete: 'off', 'aria-controls': name + '-box' });
      input.value = st.query;
      input.addEventListener('input', () => { st.query = input.value; fillChoices(w); });
      search = el('div', { className: 'choice-search' }, el('label', { for: id, text: t('searchChoices') }), input);
      w.insertBefore(search, box);
    } else if (offered.length <= LONG_LIST && search) {
      search.remove();
      st.query = '';
    }
    const q = fold(st.query.trim());
    // The chosen ones stay in view whatever the search says.
    let shown = offered.filter(c => chosen(c.name) || !q || fold(c.label).includes(q));
    const more = Math.max(0, shown.length - SHOWN_MAX);
    if (more) shown = shown.filter((c, i) => i < SHOWN_MAX || chosen(c.name));
    box.id = name + '-box';
    box.replaceChildren();
    shown.forEach(c => {
      const id = name + '-' + st.index.get(c);
      const input = el('input', { type: multi ? 'checkbox' : 'radio', name, id, value: c.name, 'aria-describedby': described });
      input.checked = chosen(c.name);
      input.addEventListener('change', () => {
        if (multi) {
          const before = Array.isArray(getAnswer(path)) ? getAnswer(path) : [];
          const vals = input.checked ? before.concat([c.name]) : before.filter(n => n !== c.name);
          changed(path, vals.length ? vals : undefined, true);
          if (item.rank) fillChoices(w);  // the positions after it move up
        } else changed(path, c.name, true);
        if (item.or_other) showOther(w, item, path);
      });
      // A ranking: the order ticked is the rank, shown beside each choice.
      const rank = item.rank && Array.isArray(current) ? current.indexOf(c.name) + 1 : 0;
      box.append(el('label', { className: 'choice', for: id, 'data-choice': c.name }, input,
        rank ? el('span', { className: 'rank', text: String(rank) }) : null, el('span', { text: c.label })));
    });
    if (more) box.append(el('p', { className: 'hint more-choices', text: t('moreChoices', more) }));
    if (!offered.length && item.filter) box.append(el('p', { className: 'hint', text: t('noChoicesYet') }));
  }

  // A choice_filter that now keeps other choices: redraw the list, and drop
  // an answer it no longer offers (as ODK does when a cascade's parent
  // changes).
  function refreshChoices() {
    for (const w of document.querySelectorAll('#page [data-choices]')) {
      const st = w._choices;
      if (!st || !st.item.filter) continue;
      const offered = offeredChoices(st.item, st.path);
      if (offeredKey(offered) === st.offered) continue;
      const names = new Set(offered.map(c => c.name));
      const v = getAnswer(st.path);
      if (Array.isArray(v) ? v.some(n => !names.has(n)) : v !== undefined && !names.has(v)) {
        const kept = Array.isArray(v) ? v.filter(n => names.has(n)) : [];
        changed(st.path, kept.length ? kept : undefined, false);
      }
      fillChoices(w, offered);
    }
  }

  function showOther(w, item, path) {
    const v = getAnswer(path);
    const chosen = Array.isArray(v) ? v.includes('other') : v === 'other';
    let box = w.querySelector('.other');
    if (chosen && !box) {
      const id = idFor(path + '_other');
      const input = el('input', { id, type: 'text', dir: 'auto', autocomplete: 'off' });
      input.value = getAnswer(path + '_other') || '';
      input.addEventListener('input', () => changed(path + '_other', input.value || undefined, false));
      box = el('div', { className: 'other q', 'data-path': path + '_other' }, el('label', { for: id, text: t('other') }), input,
        el('p', { className: 'error', id: 'e-' + id }));
      w.append(box);
    } else if (!chosen && box) {
      box.remove();
      setAnswer(path + '_other', undefined);
    }
  }

  function renderRepeat(item, path) {
    const w = el('section', { className: 'repeat', 'data-path': path, 'data-type': 'repeat' },
      el('h3', {}, labelNodes(item)), item.hint ? el('p', { className: 'hint', text: item.hint }) : null);
    const rows = Array.isArray(getAnswer(path)) ? getAnswer(path) : [];
    const list = el('div', { className: 'rows' });
    rows.forEach((_, i) => {
      const prefix = path + '[' + i + '].';
      const fs = el('fieldset', { className: 'row', 'data-row': String(i) }, el('legend', { text: t('row', i + 1) }));
      renderItems(fs, item.items || [], prefix);
      fs.append(el('button', { type: 'button', className: 'danger remove-row', text: t('removeRow', i + 1),
        on: { click: () => removeRow(path, i) } }));
      list.append(fs);
    });
    w.append(list, el('p', { className: 'error', id: 'e-' + idFor(path) }),
      el('button', { type: 'button', className: 'add-row', text: t('addRow'), on: { click: () => {
        const [o, k] = scopeOf(path, true);
        if (!Array.isArray(o[k])) o[k] = [];
        o[k].push({});
        rerender(); scheduleSave(true);
        const rowsNow = document.querySelectorAll('[data-path="' + path + '"] .row');
        const lastRow = rowsNow[rowsNow.length - 1];
        if (lastRow) { const f = lastRow.querySelector('input, textarea, select'); if (f) f.focus(); }
      } } }));
    return w;
  }

  // A row goes with its answers; the save that follows tells the collector,
  // which releases the files the row's answers named (its photos).
  function removeRow(path, i) {
    const [o, k] = scopeOf(path);
    if (!o || !Array.isArray(o[k])) return;
    const [row] = o[k].splice(i, 1);
    if (!o[k].length) delete o[k];
    JSON.stringify(row || {}, (key, v) => {
      if (v && typeof v === 'object' && typeof v.id === 'string' && localImages.has(v.id)) {
        URL.revokeObjectURL(localImages.get(v.id));
        localImages.delete(v.id);
      }
      return v;
    });
    rerender();
    scheduleSave(true);
  }

  function rerender() {
    const y = window.scrollY;
    const body = document.getElementById('page');
    body.replaceChildren();
    renderItems(body, S.form.pages[S.page].items || [], '');
    applyEvaluation();
    window.scrollTo(0, y);
  }

  // ---- saving and the engine's verdict -------------------------------------
  function changed(path, value, now) {
    setAnswer(path, value);
    S.touched.add(path);
    scheduleSave(now);
  }
  function scheduleSave(now) {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => save(false), now ? 0 : 350);
  }
  function flushSave() { clearTimeout(saveTimer); return save(false); }

  // One save in flight at a time, in order: an older save can never land
  // after a newer one.
  let saving = Promise.resolve();
  function save(check) {
    const run = saving.then(() => saveNow(check));
    saving = run.catch(() => null);
    return run;
  }

  async function saveNow(check) {
    if (!S) return null;
    const seq = ++saveSeq;
    let r;
    try {
      r = await api('PUT', '/api/v1/draft', { answers: S.answers, lang, check });
    } catch (e) {
      const pe = document.getElementById('page-error');
      if (pe) pe.textContent = t('offline');
      return null;
    }
    if (!S) return null;
    if (r.status === 404) { forget(); start(t('timedOut')); return null; }
    if (!r.ok) { const pe = document.getElementById('page-error'); if (pe) pe.textContent = (r.data && r.data.error) || t('offline'); return null; }
    if (seq !== saveSeq && !check) return r.data;  // a newer save is on its way
    S.ev = r.data;
    applyEvaluation();
    return r.data;
  }

  function setError(path, message, force) {
    const node = document.getElementById('e-' + idFor(path));
    if (!node) return;
    const show = message && (force || S.touched.has(path));
    node.textContent = show ? message : '';
    const w = node.closest('[data-path]');
    if (w) w.querySelectorAll('input, textarea').forEach(i => {
      if (show) i.setAttribute('aria-invalid', 'true'); else i.removeAttribute('aria-invalid');
    });
  }

  function applyEvaluation() {
    if (!S || !S.ev) return;
    refreshChoices();
    const items = S.ev.items || {};
    for (const node of document.querySelectorAll('#page [data-path]')) {
      const path = node.dataset.path;
      const st = items[path] || {};
      node.hidden = st.relevant === false || node.dataset.type === 'calculate';
      const legend = node.querySelector(':scope > legend, :scope > label.qlabel');
      if (legend) legend.classList.toggle('req', !!st.required);
      if (node.dataset.type !== 'group' && node.dataset.type !== 'note') setError(path, st.error, false);
    }
    // Cards follow their indicator's relevance.
    for (const card of document.querySelectorAll('#page .card')) {
      const first = card.querySelector('[data-path]');
      card.hidden = first ? first.hidden : false;
    }
    const pe = document.getElementById('page-error');
    if (pe && pe.textContent === t('fixPage') && !document.querySelector('#page .error:not(:empty)')) pe.textContent = '';
  }

  // ---- review and submit ---------------------------------------------------
  function answerText(item, v) {
    if (v === undefined || v === null || v === '') return t('noAnswer');
    if (item.choices) {
      const label = n => (item.choices.find(c => c.name === n) || { label: n }).label;
      return Array.isArray(v) ? v.map(label).join('; ') : label(v);
    }
    if (v === true) return '✓';
    if (Array.isArray(v) && v.length && v[0] && typeof v[0] === 'object' && 'sha256' in v[0]) {
      return v.map(f => f.name + ' (' + sizeText(f.size) + ')').join('; ');
    }
    return String(v);
  }

  async function showReview(errors) {
    const r = errors ? null : await save(true);
    const problems = errors || (r && r.check) || [];
    if (!S) return;
    S.reviewing = true;
    armBack();
    clear();
    const h2 = el('h2', { tabindex: '-1', text: t('reviewTitle') });
    app.append(el('p', { className: 'muted', text: S.form.title }), h2, el('p', { text: t('reviewIntro') }));
    if (problems.length) {
      const ul = el('ul', { className: 'problems' });
      for (const e of problems) {
        const pi = pageOfPath(e.path);
        ul.append(el('li', {}, el('a', { href: '#', text: labelOf(e.path) + ': ' + e.message,
          on: { click: ev => { ev.preventDefault(); showPage(pi); } } })));
      }
      app.append(el('div', { role: 'alert' }, el('p', { className: 'error', text: t('problems') }), ul));
    }
    const review = el('div', { className: 'review' });
    S.form.pages.forEach((p, i) => {
      if (!pageRelevant(i)) return;
      const dl = el('dl');
      walk(p.items || [], '', (item, path) => {
        if (['group', 'note', 'calculate', 'repeat'].includes(item.type) || state(path).relevant === false) return;
        dl.append(el('dt', {}, labelNodes(item)), el('dd', { text: answerText(item, getAnswer(path)) }));
      });
      review.append(el('h3', { text: p.label || S.form.title }), dl,
        el('button', { type: 'button', text: t('edit'), 'aria-label': t('edit') + ': ' + (p.label || ''), on: { click: () => showPage(i) } }));
    });
    app.append(review);
    const rel = relevantPages();
    app.append(el('div', { className: 'actions' },
      el('button', { type: 'button', id: 'back', text: t('back'), on: { click: () => showPage(rel[rel.length - 1]) } }),
      el('span', { className: 'grow' }),
      el('button', { type: 'button', id: 'submit', className: 'primary', text: t('submit'), on: { click: submit } })));
    focusMain(h2);
  }

  function walk(items, prefix, fn) {
    for (const item of items) {
      const path = prefix + item.name;
      fn(item, path);
      if (item.type === 'group') walk(item.items || [], prefix, fn);
      if (item.type === 'repeat') {
        const rows = getAnswer(path);
        if (Array.isArray(rows)) rows.forEach((_, i) => walk(item.items || [], path + '[' + i + '].', fn));
      }
    }
  }
  function findItem(path) {
    const bare = path.replace(/^[^\[]+\[\d+\]\./, '');
    let found = null;
    S.form.pages.forEach(p => walk(p.items || [], '', (item) => { if (!found && item.name === bare) found = item; }));
    return found;
  }
  function labelOf(path) { const it = findItem(path); return it ? (it.label || it.name) : path; }
  function pageOfPath(path) {
    const top = path.replace(/\[.*$/, '');
    let idx = 0;
    S.form.pages.forEach((p, i) => walk(p.items || [], '', (item, ip) => { if (ip === top || item.name === top) idx = i; }));
    return idx;
  }

  async function submit() {
    const btn = document.getElementById('submit') || el('button');
    btn.disabled = true;
    clearTimeout(saveTimer);
    // The answers go with the submit: what is sealed is what the review showed.
    const r = await api('POST', '/api/v1/draft/submit', { answers: S.answers, code: S.code }).catch(() => null);
    if (!r) { btn.disabled = false; app.append(el('p', { className: 'error', role: 'alert', text: t('offline') })); return; }
    if (r.status === 422 && r.data && r.data.code_problem) {
      // Nothing is lost: the draft waits while the code is typed again.
      return askCode(r.data.error, S.code, (c) => { S.code = c; submit(); });
    }
    if (r.status === 422) { S.ev = r.data; return showReview(r.data.errors); }
    if (!r.ok) { btn.disabled = false; app.append(el('p', { className: 'error', role: 'alert', text: (r.data && r.data.error) || t('offline') })); return; }
    forget();
    thanks(r.data.reference);
  }

  function thanks(reference) {
    clear();
    const h1 = el('h1', { tabindex: '-1', text: t('thanks') });
    app.append(el('div', { className: 'thanks' }, el('div', { className: 'tick', 'aria-hidden': 'true', text: '✓' }), h1,
      el('p', { text: t('thanksText') }),
      reference ? el('p', { className: 'muted' }, el('bdi', { text: t('reference', reference) })) : null,
      el('div', { className: 'actions center' },
        el('button', { type: 'button', id: 'again', className: 'primary', text: t('again'), on: { click: () => start() } }))));
    focusMain(h1);
    announce(t('thanks'));
  }

  // ---- administrator ---------------------------------------------------------
  let pollTimer = null;
  let adminTimer = null;
  function armAdminIdle() {
    clearTimeout(adminTimer);
    adminTimer = setTimeout(async () => {
      await api('POST', '/api/v1/admin/logout', {}).catch(() => {});
      adminLogin();
    }, 5 * 60 * 1000);
  }
  ['keydown', 'pointerdown'].forEach(ev => document.addEventListener(ev, () => {
    if (location.pathname === '/admin' && adminTimer) armAdminIdle();
  }, true));
  async function admin(message) {
    setLanguage(lang);
    clear();
    const r = await api('GET', '/api/v1/admin/status').catch(() => null);
    if (!r || r.status === 401) return adminLogin(message);
    if (!r.ok) { app.append(el('p', { className: 'error', text: (r.data && r.data.error) || t('offline') })); return; }
    const s = r.data;
    const h1 = el('h1', { tabindex: '-1', text: t('admin') });
    app.append(h1);
    if (message) app.append(el('p', { className: 'note', role: 'status', text: message }));
    if (!s.enrolled) app.append(el('p', { className: 'error', text: t('notEnrolled') }));
    app.append(el('div', { className: 'stats' },
      stat('pending', s.pending), stat('synced', s.synced), stat('drafts', s.drafts), stat('rejected', s.rejected)));
    const last = s.sync && s.sync.last ? s.sync.last.finished_at + ' — ' + s.sync.last.message
      : s.last_sync ? s.last_sync.started_at + ' — ' + s.last_sync.result + ': ' + s.last_sync.detail : t('never');
    app.append(el('dl', { className: 'kv' },
      el('dt', { text: t('lastSync') }), el('dd', { id: 'last-sync' }, el('bdi', { text: last })),
      el('dt', { text: t('device') }), el('dd', {}, el('bdi', { className: 'code', text: s.device_id || '—' })),
      el('dt', { text: t('site') }), el('dd', {}, el('bdi', { text: s.site || '—' })),
      el('dt', { text: t('server') }), el('dd', {}, el('bdi', { text: s.server || '—' }))));
    if (s.sync && s.sync.next_attempt_at) app.append(el('p', { className: 'muted' }, el('bdi', { text: t('nextTry', s.sync.next_attempt_at) })));
    const prog = el('progress', { id: 'sync-progress', max: '1', value: '0', hidden: true, 'aria-label': t('syncNow') });
    const progText = el('p', { id: 'sync-text', role: 'status' });
    app.append(el('div', { className: 'actions' },
      el('button', { type: 'button', id: 'sync-now', className: 'primary', text: t('syncNow'), disabled: !s.enrolled, on: { click: syncNow } }),
      el('button', { type: 'button', id: 'export-bundle', text: t('exportBundle'), disabled: !s.enrolled || !s.pending, on: { click: exportBundle } })),
      prog, progText);
    if (s.lan_urls && s.lan_urls.length) {
      app.append(el('h2', { text: t('phones') }), el('img', { className: 'qr', src: '/api/v1/admin/qr.svg', alt: s.lan_urls[0] }),
        ...s.lan_urls.map(u => el('p', {}, el('bdi', { className: 'code', text: u }))));
    }
    const t2 = await teamModule().catch(() => null);
    if (t2 && s.lan_urls && s.lan_urls.length) app.append(t2.phones(s.team_phones || 0));
    app.append(el('h2', { text: t('drafts') }));
    const d = await api('GET', '/api/v1/admin/drafts?lang=' + lang);
    const ul = el('ul', { className: 'drafts' });
    const all = (d.data && d.data.drafts) || [];
    // The survey page opens a resumed draft, or a submitted record to correct.
    const resumeDraft = async (x) => {
      const rr = await api('POST', '/api/v1/admin/drafts/' + x.id + '/resume', {});
      if (rr.ok) { keepKeyHalf(rr.data.key); location.href = '/'; }
    };
    for (const x of all.filter(x => !x.reference)) {
      ul.append(el('li', {}, el('strong', { text: x.title || x.form }), ' ',
        el('span', { className: 'muted' }, el('bdi', { text: x.updated_at }), ' · ', t('answered', x.answered)), ' ',
        x.resumable ? el('button', { type: 'button', className: 'resume', text: t('resume'), on: { click: () => resumeDraft(x) } }) : null, ' ',
        el('button', { type: 'button', className: 'danger', text: t('discard'), on: { click: async () => {
          if (!confirm(t('cancelConfirm'))) return;
          await api('DELETE', '/api/v1/admin/drafts/' + x.id); admin();
        } } })));
    }
    app.append(ul.children.length ? ul : el('p', { className: 'muted', text: t('noDrafts') }));
    if (t2) app.append(t2.records(all.filter(x => x.reference), resumeDraft) || '');
    // Team assessments (the GEOAT), behind the PIN: the shared records the
    // server sent (team.js), then the form itself for a draft outside one.
    const teamBox = el('div', { id: 'team-list' });
    app.append(teamBox);
    if (t2) await t2.list(teamBox);
    const forms = await api('GET', '/api/v1/admin/team-forms?lang=' + lang).catch(() => null);
    if (forms && forms.ok && forms.data.forms.length) {
      app.append(el('p', { className: 'muted', text: t('plainTeam') }));
      for (const f of forms.data.forms) {
        app.append(el('button', { type: 'button', className: 'survey', 'data-form': f.id, on: { click: async () => {
          const rr = await api('POST', '/api/v1/admin/team-draft', { form: f.id, lang });
          if (rr.ok) { keepKeyHalf(rr.data.key); location.href = '/'; }
        } } }, el('strong', { text: f.title })));
      }
    }
    app.append(el('div', { className: 'actions' },
      el('button', { type: 'button', text: t('signOut'), on: { click: async () => { await api('POST', '/api/v1/admin/logout', {}); adminLogin(); } } }),
      el('a', { className: 'button', href: '/', text: t('home') })));
    focusMain(h1);
    armAdminIdle();
    if (s.sync && s.sync.running) pollSync();
  }
  function stat(key, n) { return el('div', { className: 'stat', 'data-stat': key }, el('b', { text: String(n ?? 0) }), el('span', { text: t(key) })); }

  function adminLogin(message) {
    // Redrawn (new language) while a PIN is typed: keep it.
    const typed = document.getElementById('pin')?.value || '';
    clear();
    const h1 = el('h1', { tabindex: '-1', text: t('admin') });
    // one-time-code: the kiosk's browser must not offer to remember the PIN.
    const input = el('input', { type: 'password', id: 'pin', autocomplete: 'one-time-code', required: true });
    input.value = typed;
    const err = el('p', { className: 'error', id: 'pin-error', role: 'alert', text: message || '' });
    input.setAttribute('aria-describedby', 'pin-error');
    const form = el('form', { on: { submit: async e => {
      e.preventDefault();
      const btn = form.querySelector('button'); btn.disabled = true;
      const r = await api('POST', '/api/v1/admin/login', { pin: input.value }).catch(() => null);
      input.value = '';
      btn.disabled = false;
      if (r && r.ok) return admin();
      err.textContent = (r && r.data && r.data.error) || t('offline');
      input.focus();
    } } }, el('label', { for: 'pin', className: 'qlabel', text: t('pin') }), input,
      el('div', { className: 'actions' }, el('button', { type: 'submit', className: 'primary', text: t('signIn') })));
    app.append(h1, form, err);
    input.focus();
  }

  async function syncNow() {
    await api('POST', '/api/v1/admin/sync', {});
    pollSync();
  }
  function pollSync() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(async () => {
      const r = await api('GET', '/api/v1/admin/sync').catch(() => null);
      if (!r || !r.ok) return;
      const s = r.data;
      const prog = document.getElementById('sync-progress');
      const text = document.getElementById('sync-text');
      if (!prog) return;
      prog.hidden = !s.running;
      prog.max = String(Math.max(1, s.total)); prog.value = String(s.acknowledged);
      text.textContent = s.running ? t('syncing', s.sent, s.total) : (s.last ? s.last.message : '');
      if (s.running) pollSync(); else admin(s.last ? s.last.message : '');
    }, 400);
  }

  async function exportBundle() {
    const r = await fetch('/api/v1/admin/bundle', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'same-origin' });
    if (!r.ok) { document.getElementById('sync-text').textContent = ((await r.json().catch(() => ({}))).error) || t('offline'); return; }
    const blob = await r.blob();
    const name = (/filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '') || [])[1] || 'equitas.eqb';
    const a = el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.append(a); a.click(); a.remove();
    document.getElementById('sync-text').textContent = t('bundleDone', r.headers.get('X-Equitas-Envelopes') || '?');
  }

  // ---- boot ---------------------------------------------------------------
  langSelect.addEventListener('change', async () => {
    setLanguage(langSelect.value);
    if (location.pathname === '/admin') return (team && team.reopen()) || admin();
    if (onPhone()) return (team && team.reopen()) || teamHome();
    if (!S) return start();
    // Same answers, new language: the engine sends its messages in it.
    const page = S.page;
    S.form = await loadForm(S.form.id, S.form.version);
    await save(false);
    showPage(page);
  });

  async function boot() {
    setLanguage(lang);
    if (location.pathname === '/admin') return admin();
    if (onPhone()) return teamHome();
    const r = await api('GET', '/api/v1/draft').catch(() => null);
    if (r && r.ok) {
      learnMode(r.data);
      if (r.data.anonymous && mode === 'personal') return askComeBack(r.data);
      return resume(r.data);
    }
    // A kiosk erased what the last person left: this page starts clean.
    if (r && r.data && r.data.wiped) dropKeyHalf();
    start(r && r.data && r.data.wiped ? t('wiped') : undefined);
  }
  boot();
})();
