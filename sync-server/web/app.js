// The Equitas dashboard: one page over the admin API (/api/v1/, docs/api.md).
// Charts are SVG drawn here; nothing is fetched from anywhere but this server.
// Every value shown comes from the server's report, which has already
// suppressed small groups: a suppressed cell is drawn as such, never as 0.
'use strict';

const T = {
  en: {
    evidence_files: 'Evidence files', indicator: 'Indicator', file: 'File', size: 'Size', not_held: 'not on the server yet: it arrives with the post\'s next sync', with_files: 'CSV and files (ZIP)',
    team_assessments: 'Team assessments', teams_n: 'team assessments: {n}', coverage: 'Coverage', disagreements: 'Disagreements', printable_report: 'Printable report', asm_draft: 'draft', asm_under_review: 'under review', asm_validated: 'validated (official)',
    item_id: 'No.', tracked_plan: 'Action plan between rounds', overdue: 'overdue', indicators: 'Indicators', updated: 'Updated', note: 'Progress note', update: 'Update', save: 'Save', saved: 'Saved.', adopted_in: 'Adopted in', status_change: 'Status', changed: 'changed', indicator_change: 'Indicators it was meant to move', plan_changes: 'Action plan',
    title: 'Equitas — results', overview: 'Overview', devices: 'Devices', downloads: 'Downloads', audit: 'Audit log',
    signin: 'Sign in', signout: 'Sign out', token: 'Admin token', token_help: 'Paste the admin token that `sync-server init` or `sync-server admin-token create` printed.',
    bad_token: 'That token was refused.', language: 'Language', responses: 'Responses', active_devices: 'Active devices',
    stale: 'Not seen for 14 days', sites: 'Sites', site: 'Site', form: 'Form', round: 'Round', all_rounds: 'All rounds',
    last_day: 'Last response', last_seen: 'Last seen', never: 'never', compare: 'Compare with', none: 'None',
    by: 'Break down by', and: 'and', section_index: 'Section index (% positive)', factor_index: 'Arusha factor index (% positive)',
    negative: 'Negative', neutral: 'Neutral', positive: 'Positive', suppressed: 'Hidden: group too small',
    answered: 'answered', excluded: "don't know / not applicable", all: 'All', group: 'Group', change: 'Change',
    from: 'From', to: 'To', overall: 'Overall', principles: 'Score per principle (% of the maximum)',
    elements: 'Key elements, weakest first', element: 'Key element', principle: 'Principle', score: 'Score',
    applicable: 'Applicable', unanswered: 'Unanswered', action_plan: 'Action plan', objective: 'Objective', activity: 'Activity',
    owner: 'Owner', deadline: 'Deadline', status: 'Status', administration: 'Administration', assessments: 'assessments',
    no_data: 'No responses yet.', state: 'State', revoke: 'Revoke', revoke_confirm: 'Revoke this device? It will not be able to sync again.',
    format: 'Format', labels: 'Choice labels instead of codes', excel: 'CSV for Excel', when: 'When', actor: 'Who', action: 'What', detail: 'Detail',
    perturbed: 'To protect small groups, every figure is changed slightly (by at most {n} respondents), always the same way, so subtracting one figure from another reveals nobody.', older: 'Older entries', threshold: 'Groups under {n} respondents are hidden, with any others needed so that none can be worked out.',
    comparison: 'Change between rounds', free_text: 'Free text: only counted, never shown here.', show: 'Show',
    response_rates: 'Response rates (respondents / staff)', unit: 'Reporting unit', open_form: 'Results', per_site: 'Responses per site', unavailable: 'The server could not answer: ',
    no_answer: '(no answer)', older: 'older', newer: 'newer', change_rule: 'Change = newer round minus older round, in percentage points, whichever round is picked first.', by_published: '{newer} is newer: it was published after {older}.', by_first_response: '{newer} is newer: its responses began after those of {older}.', by_assessment: '{newer} is newer: its team assessment was created after that of {older}.', by_name: 'Neither publication nor the first responses tell the two rounds apart, so they are ordered by name.', change_detail: 'Every item and group', index: 'Index', state_active: 'active', state_pending: 'pending', state_revoked: 'revoked', breakdown_of: 'Broken down by {dims}', generated: 'Generated {when}',
    conflict: 'conflicting assessments', conflict_help: '{n} assessments of this administration in this round. Scores are not averaged: the team keeps one, and the others are withdrawn.', submission: 'Submission', submitted: 'Submitted',
    largest_changes: 'Largest changes (items, everyone)', beyond_noise: 'Beyond sampling noise', yes: 'yes', no: 'no', noise_note: 'An item\'s change is tested against sampling noise with a two-proportion z-test (pooled, two-sided, 95 %); section indexes are means of items and are not tested.', all_elements: 'Every key element',
    item_detail: 'Item detail by section',
    reversed: 'reverse-worded', reversed_rule: 'Reverse-worded statements: % positive = % who disagree.',
  },
  fr: {
    evidence_files: 'Fichiers justificatifs', indicator: 'Indicateur', file: 'Fichier', size: 'Taille', not_held: 'pas encore sur le serveur : il arrivera à la prochaine synchronisation du poste', with_files: 'CSV et fichiers (ZIP)',
    team_assessments: 'Évaluations d’équipe', teams_n: 'évaluations d’équipe : {n}', coverage: 'Couverture', disagreements: 'Désaccords', printable_report: 'Rapport imprimable', asm_draft: 'brouillon', asm_under_review: 'en revue', asm_validated: 'validée (officielle)',
    item_id: 'N°', tracked_plan: 'Plan d’action entre les cycles', overdue: 'en retard', indicators: 'Indicateurs', updated: 'Mis à jour', note: 'Note d’avancement', update: 'Mettre à jour', save: 'Enregistrer', saved: 'Enregistré.', adopted_in: 'Adopté au cycle', status_change: 'État', changed: 'modifié', indicator_change: 'Indicateurs visés', plan_changes: 'Plan d’action',
    title: 'Equitas — résultats', overview: 'Vue d’ensemble', devices: 'Appareils', downloads: 'Téléchargements', audit: 'Journal d’audit',
    signin: 'Se connecter', signout: 'Se déconnecter', token: 'Jeton d’administration', token_help: 'Collez le jeton affiché par `sync-server init` ou `sync-server admin-token create`.',
    bad_token: 'Ce jeton a été refusé.', language: 'Langue', responses: 'Réponses', active_devices: 'Appareils actifs',
    stale: 'Sans contact depuis 14 jours', sites: 'Sites', site: 'Site', form: 'Formulaire', round: 'Cycle', all_rounds: 'Tous les cycles',
    last_day: 'Dernière réponse', last_seen: 'Dernier contact', never: 'jamais', compare: 'Comparer avec', none: 'Aucun',
    by: 'Ventiler par', and: 'et', section_index: 'Indice par section (% positif)', factor_index: 'Indice par facteur d’Arusha (% positif)',
    negative: 'Négatif', neutral: 'Neutre', positive: 'Positif', suppressed: 'Masqué : groupe trop petit',
    answered: 'réponses', excluded: 'ne sait pas / sans objet', all: 'Tous', group: 'Groupe', change: 'Évolution',
    from: 'De', to: 'À', overall: 'Global', principles: 'Score par principe (% du maximum)',
    elements: 'Éléments clés, du plus faible au plus fort', element: 'Élément clé', principle: 'Principe', score: 'Score',
    applicable: 'Applicables', unanswered: 'Sans réponse', action_plan: 'Plan d’action', objective: 'Objectif', activity: 'Activité',
    owner: 'Responsable', deadline: 'Échéance', status: 'État', administration: 'Administration', assessments: 'évaluations',
    no_data: 'Aucune réponse pour l’instant.', state: 'État', revoke: 'Révoquer', revoke_confirm: 'Révoquer cet appareil ? Il ne pourra plus synchroniser.',
    format: 'Format', labels: 'Libellés au lieu des codes', excel: 'CSV pour Excel', when: 'Quand', actor: 'Qui', action: 'Quoi', detail: 'Détail',
    perturbed: 'Pour protéger les petits groupes, chaque chiffre est légèrement modifié (de {n} répondants au plus), toujours de la même façon : soustraire un chiffre d’un autre ne révèle personne.', older: 'Entrées plus anciennes', threshold: 'Les groupes de moins de {n} répondants sont masqués, avec ceux qui permettraient de les déduire.',
    comparison: 'Évolution entre cycles', free_text: 'Texte libre : compté, jamais affiché ici.', show: 'Afficher',
    response_rates: 'Taux de réponse (répondants / effectif)', unit: 'Unité de diffusion', open_form: 'Résultats', per_site: 'Réponses par site', unavailable: 'Le serveur n’a pas pu répondre : ',
    no_answer: '(sans réponse)', older: 'plus ancien', newer: 'plus récent', change_rule: 'Évolution = cycle le plus récent moins le plus ancien, en points de pourcentage, quel que soit le cycle choisi en premier.', by_published: '{newer} est le plus récent : il a été publié après {older}.', by_first_response: '{newer} est le plus récent : ses réponses ont commencé après celles de {older}.', by_assessment: '{newer} est le plus récent : son évaluation d’équipe a été créée après celle de {older}.', by_name: 'Ni la publication ni les premières réponses ne départagent les deux cycles : ils sont classés par nom.', change_detail: 'Toutes les questions et tous les groupes', index: 'Indice', state_active: 'actif', state_pending: 'en attente', state_revoked: 'révoqué', breakdown_of: 'Ventilé par {dims}', generated: 'Produit le {when}',
    conflict: 'évaluations en conflit', conflict_help: '{n} évaluations de cette administration dans ce cycle. Les scores ne sont pas moyennés : l’équipe en garde une et retire les autres.', submission: 'Soumission', submitted: 'Soumise le',
    largest_changes: 'Plus fortes évolutions (questions, ensemble)', beyond_noise: 'Au-delà du bruit d’échantillonnage', yes: 'oui', no: 'non', noise_note: 'L’évolution d’une question est testée contre le bruit d’échantillonnage par un test z de deux proportions (groupé, bilatéral, 95 %) ; les indices de section, moyennes de questions, ne sont pas testés.', all_elements: 'Tous les éléments clés',
    item_detail: 'Détail des questions par section',
    reversed: 'formulation inversée', reversed_rule: 'Énoncés à formulation inversée : % positif = % en désaccord.',
  },
  es: {
    evidence_files: 'Archivos de evidencia', indicator: 'Indicador', file: 'Archivo', size: 'Tamaño', not_held: 'aún no está en el servidor: llegará con la próxima sincronización del puesto', with_files: 'CSV y archivos (ZIP)',
    team_assessments: 'Evaluaciones del equipo', teams_n: 'evaluaciones del equipo: {n}', coverage: 'Cobertura', disagreements: 'Desacuerdos', printable_report: 'Informe para imprimir', asm_draft: 'borrador', asm_under_review: 'en revisión', asm_validated: 'validada (oficial)',
    item_id: 'N.º', tracked_plan: 'Plan de acción entre rondas', overdue: 'vencido', indicators: 'Indicadores', updated: 'Actualizado', note: 'Nota de avance', update: 'Actualizar', save: 'Guardar', saved: 'Guardado.', adopted_in: 'Adoptado en', status_change: 'Estado', changed: 'cambió', indicator_change: 'Indicadores que debía mejorar', plan_changes: 'Plan de acción',
    title: 'Equitas — resultados', overview: 'Resumen', devices: 'Dispositivos', downloads: 'Descargas', audit: 'Registro de auditoría',
    signin: 'Iniciar sesión', signout: 'Cerrar sesión', token: 'Token de administración', token_help: 'Pegue el token que mostró `sync-server init` o `sync-server admin-token create`.',
    bad_token: 'Ese token fue rechazado.', language: 'Idioma', responses: 'Respuestas', active_devices: 'Dispositivos activos',
    stale: 'Sin contacto en 14 días', sites: 'Sitios', site: 'Sitio', form: 'Formulario', round: 'Ronda', all_rounds: 'Todas las rondas',
    last_day: 'Última respuesta', last_seen: 'Último contacto', never: 'nunca', compare: 'Comparar con', none: 'Ninguna',
    by: 'Desglosar por', and: 'y', section_index: 'Índice por sección (% positivo)', factor_index: 'Índice por factor de Arusha (% positivo)',
    negative: 'Negativo', neutral: 'Neutral', positive: 'Positivo', suppressed: 'Oculto: grupo demasiado pequeño',
    answered: 'respuestas', excluded: 'no sabe / no aplica', all: 'Todos', group: 'Grupo', change: 'Cambio',
    from: 'De', to: 'A', overall: 'General', principles: 'Puntuación por principio (% del máximo)',
    elements: 'Elementos clave, del más débil al más fuerte', element: 'Elemento clave', principle: 'Principio', score: 'Puntuación',
    applicable: 'Aplicables', unanswered: 'Sin respuesta', action_plan: 'Plan de acción', objective: 'Objetivo', activity: 'Actividad',
    owner: 'Responsable', deadline: 'Plazo', status: 'Estado', administration: 'Administración', assessments: 'evaluaciones',
    no_data: 'Aún no hay respuestas.', state: 'Estado', revoke: 'Revocar', revoke_confirm: '¿Revocar este dispositivo? No podrá volver a sincronizar.',
    format: 'Formato', labels: 'Etiquetas en lugar de códigos', excel: 'CSV para Excel', when: 'Cuándo', actor: 'Quién', action: 'Qué', detail: 'Detalle',
    perturbed: 'Para proteger a los grupos pequeños, cada cifra se modifica ligeramente (en {n} personas como máximo), siempre de la misma manera: restar una cifra de otra no revela a nadie.', older: 'Entradas anteriores', threshold: 'Los grupos de menos de {n} personas se ocultan, junto con los que permitirían deducirlos.',
    comparison: 'Cambio entre rondas', free_text: 'Texto libre: solo se cuenta, nunca se muestra aquí.', show: 'Mostrar',
    response_rates: 'Tasas de respuesta (encuestados / plantilla)', unit: 'Unidad de difusión', open_form: 'Resultados', per_site: 'Respuestas por sitio', unavailable: 'El servidor no pudo responder: ',
    no_answer: '(sin respuesta)', older: 'anterior', newer: 'más reciente', change_rule: 'Cambio = ronda más reciente menos ronda anterior, en puntos porcentuales, sea cual sea la ronda elegida primero.', by_published: '{newer} es la más reciente: se publicó después de {older}.', by_first_response: '{newer} es la más reciente: sus respuestas comenzaron después de las de {older}.', by_assessment: '{newer} es la más reciente: su evaluación de equipo se creó después de la de {older}.', by_name: 'Ni la publicación ni las primeras respuestas distinguen las dos rondas, así que se ordenan por nombre.', change_detail: 'Todas las preguntas y grupos', index: 'Índice', state_active: 'activo', state_pending: 'pendiente', state_revoked: 'revocado', breakdown_of: 'Desglosado por {dims}', generated: 'Generado el {when}',
    conflict: 'evaluaciones en conflicto', conflict_help: '{n} evaluaciones de esta administración en esta ronda. Las puntuaciones no se promedian: el equipo conserva una y retira las demás.', submission: 'Envío', submitted: 'Enviado el',
    largest_changes: 'Mayores cambios (preguntas, todos)', beyond_noise: 'Más allá del ruido muestral', yes: 'sí', no: 'no', noise_note: 'El cambio de una pregunta se contrasta con el ruido muestral mediante una prueba z de dos proporciones (combinada, bilateral, 95 %); los índices de sección, medias de preguntas, no se contrastan.', all_elements: 'Todos los elementos clave',
    item_detail: 'Detalle de las preguntas por sección',
    reversed: 'redacción inversa', reversed_rule: 'Enunciados de redacción inversa: % positivo = % en desacuerdo.',
  },
  ru: {
    evidence_files: 'Файлы-подтверждения', indicator: 'Показатель', file: 'Файл', size: 'Размер', not_held: 'ещё не на сервере: поступит при следующей синхронизации пункта', with_files: 'CSV и файлы (ZIP)',
    team_assessments: 'Командные оценки', teams_n: 'командных оценок: {n}', coverage: 'Охват', disagreements: 'Разногласия', printable_report: 'Отчёт для печати', asm_draft: 'черновик', asm_under_review: 'на проверке', asm_validated: 'утверждена (официальная)',
    item_id: '№', tracked_plan: 'План действий между раундами', overdue: 'просрочено', indicators: 'Показатели', updated: 'Обновлено', note: 'Отметка о ходе работы', update: 'Обновить', save: 'Сохранить', saved: 'Сохранено.', adopted_in: 'Принято в раунде', status_change: 'Статус', changed: 'изменился', indicator_change: 'Показатели, на которые направлено мероприятие', plan_changes: 'План действий',
    title: 'Equitas — результаты', overview: 'Обзор', devices: 'Устройства', downloads: 'Выгрузки', audit: 'Журнал аудита',
    signin: 'Войти', signout: 'Выйти', token: 'Токен администратора', token_help: 'Вставьте токен, который вывела команда `sync-server init` или `sync-server admin-token create`.',
    bad_token: 'Этот токен отклонён.', language: 'Язык', responses: 'Ответы', active_devices: 'Активные устройства',
    stale: 'Нет связи 14 дней', sites: 'Пункты', site: 'Пункт', form: 'Анкета', round: 'Раунд', all_rounds: 'Все раунды',
    last_day: 'Последний ответ', last_seen: 'Последняя связь', never: 'никогда', compare: 'Сравнить с', none: 'Нет',
    by: 'Разбивка по', and: 'и', section_index: 'Индекс по разделам (% положительных)', factor_index: 'Индекс по факторам Аруши (% положительных)',
    negative: 'Отрицательно', neutral: 'Нейтрально', positive: 'Положительно', suppressed: 'Скрыто: слишком малая группа',
    answered: 'ответов', excluded: 'не знаю / неприменимо', all: 'Все', group: 'Группа', change: 'Изменение',
    from: 'С', to: 'По', overall: 'В целом', principles: 'Оценка по принципам (% от максимума)',
    elements: 'Ключевые элементы, от слабых к сильным', element: 'Ключевой элемент', principle: 'Принцип', score: 'Оценка',
    applicable: 'Применимо', unanswered: 'Без ответа', action_plan: 'План действий', objective: 'Цель', activity: 'Мероприятие',
    owner: 'Ответственный', deadline: 'Срок', status: 'Статус', administration: 'Администрация', assessments: 'оценок',
    no_data: 'Ответов пока нет.', state: 'Состояние', revoke: 'Отозвать', revoke_confirm: 'Отозвать устройство? Оно больше не сможет синхронизироваться.',
    format: 'Формат', labels: 'Подписи вместо кодов', excel: 'CSV для Excel', when: 'Когда', actor: 'Кто', action: 'Что', detail: 'Подробности',
    perturbed: 'Чтобы защитить малые группы, каждое число немного изменено (не более чем на {n} респондентов), всегда одинаково: вычитание одного числа из другого никого не раскрывает.', older: 'Более ранние записи', threshold: 'Группы меньше {n} респондентов скрыты вместе с теми, по которым их можно вычислить.',
    comparison: 'Изменение между раундами', free_text: 'Свободный текст: только подсчитывается, здесь не показывается.', show: 'Показать',
    response_rates: 'Доля ответивших (ответившие / численность)', unit: 'Отчётная единица', open_form: 'Результаты', per_site: 'Ответы по пунктам', unavailable: 'Сервер не смог ответить: ',
    no_answer: '(нет ответа)', older: 'более ранний', newer: 'более поздний', change_rule: 'Изменение = более поздний раунд минус более ранний, в процентных пунктах, в каком бы порядке ни были выбраны раунды.', by_published: '{newer} — более поздний: он опубликован после {older}.', by_first_response: '{newer} — более поздний: его ответы начались после ответов {older}.', by_assessment: '{newer} — более поздний: его командная оценка создана после оценки {older}.', by_name: 'Ни публикация, ни первые ответы не различают раунды, поэтому они упорядочены по названию.', change_detail: 'Все вопросы и группы', index: 'Индекс', state_active: 'активно', state_pending: 'ожидает', state_revoked: 'отозвано', breakdown_of: 'Разбивка по {dims}', generated: 'Сформировано {when}',
    conflict: 'противоречащие оценки', conflict_help: 'Оценок этой администрации в этом раунде: {n}. Баллы не усредняются: команда оставляет одну оценку, остальные отзываются.', submission: 'Отправка', submitted: 'Отправлено',
    largest_changes: 'Наибольшие изменения (вопросы, все)', beyond_noise: 'Больше выборочного шума', yes: 'да', no: 'нет', noise_note: 'Изменение по вопросу проверяется на выборочный шум z-критерием для двух долей (объединённая доля, двусторонний, 95 %); индексы разделов — средние по вопросам — не проверяются.', all_elements: 'Все ключевые элементы',
    item_detail: 'Вопросы по разделам',
    reversed: 'обратная формулировка', reversed_rule: 'Утверждения с обратной формулировкой: % положительных = % несогласных.',
  },
  ar: {
    evidence_files: 'ملفات الأدلة', indicator: 'المؤشر', file: 'الملف', size: 'الحجم', not_held: 'ليس على الخادم بعد: سيصل مع المزامنة التالية للمركز', with_files: 'CSV والملفات (ZIP)',
    team_assessments: 'تقييمات الفريق', teams_n: 'تقييمات الفريق: {n}', coverage: 'التغطية', disagreements: 'الخلافات', printable_report: 'تقرير للطباعة', asm_draft: 'مسودة', asm_under_review: 'قيد المراجعة', asm_validated: 'معتمد (رسمي)',
    item_id: 'الرقم', tracked_plan: 'خطة العمل بين الجولات', overdue: 'متأخر', indicators: 'المؤشرات', updated: 'آخر تحديث', note: 'ملاحظة عن التقدم', update: 'تحديث', save: 'حفظ', saved: 'تم الحفظ.', adopted_in: 'اعتُمد في الجولة', status_change: 'الحالة', changed: 'تغيّر', indicator_change: 'المؤشرات المستهدفة', plan_changes: 'خطة العمل',
    title: 'Equitas — النتائج', overview: 'نظرة عامة', devices: 'الأجهزة', downloads: 'التنزيلات', audit: 'سجل التدقيق',
    signin: 'تسجيل الدخول', signout: 'تسجيل الخروج', token: 'رمز المسؤول', token_help: 'الصق الرمز الذي طبعه الأمر `sync-server init` أو `sync-server admin-token create`.',
    bad_token: 'تم رفض هذا الرمز.', language: 'اللغة', responses: 'الردود', active_devices: 'الأجهزة النشطة',
    stale: 'لم تتصل منذ 14 يومًا', sites: 'المواقع', site: 'الموقع', form: 'الاستمارة', round: 'الجولة', all_rounds: 'كل الجولات',
    last_day: 'آخر رد', last_seen: 'آخر اتصال', never: 'أبدًا', compare: 'قارن مع', none: 'لا شيء',
    by: 'التصنيف حسب', and: 'و', section_index: 'مؤشر الأقسام (٪ إيجابي)', factor_index: 'مؤشر عوامل أروشا (٪ إيجابي)',
    negative: 'سلبي', neutral: 'محايد', positive: 'إيجابي', suppressed: 'مخفي: مجموعة صغيرة جدًا',
    answered: 'ردود', excluded: 'لا أعرف / لا ينطبق', all: 'الكل', group: 'المجموعة', change: 'التغير',
    from: 'من', to: 'إلى', overall: 'الإجمالي', principles: 'الدرجة لكل مبدأ (٪ من الحد الأقصى)',
    elements: 'العناصر الرئيسية، الأضعف أولاً', element: 'العنصر الرئيسي', principle: 'المبدأ', score: 'الدرجة',
    applicable: 'قابلة للتطبيق', unanswered: 'بلا إجابة', action_plan: 'خطة العمل', objective: 'الهدف', activity: 'النشاط',
    owner: 'المسؤول', deadline: 'الموعد النهائي', status: 'الحالة', administration: 'الإدارة', assessments: 'تقييمات',
    no_data: 'لا توجد ردود بعد.', state: 'الحالة', revoke: 'إلغاء', revoke_confirm: 'إلغاء هذا الجهاز؟ لن يتمكن من المزامنة مرة أخرى.',
    format: 'الصيغة', labels: 'التسميات بدل الرموز', excel: 'CSV لبرنامج Excel', when: 'متى', actor: 'من', action: 'ماذا', detail: 'التفاصيل',
    perturbed: 'لحماية المجموعات الصغيرة، يُعدَّل كل رقم تعديلًا طفيفًا (بما لا يزيد على {n} مستجيبين)، وبالطريقة نفسها دائمًا، فلا يكشف طرح رقم من آخر عن أحد.', older: 'إدخالات أقدم', threshold: 'تُخفى المجموعات التي تقل عن {n} مستجيبين، مع أي مجموعات أخرى تسمح باستنتاجها.',
    comparison: 'التغير بين الجولات', free_text: 'النص الحر: يُعدّ فقط ولا يُعرض هنا.', show: 'عرض',
    response_rates: 'معدلات الاستجابة (المستجيبون / عدد الموظفين)', unit: 'وحدة الإبلاغ', open_form: 'النتائج', per_site: 'الردود حسب الموقع', unavailable: 'تعذر على الخادم الرد: ',
    no_answer: '(بلا إجابة)', older: 'الأقدم', newer: 'الأحدث', change_rule: 'التغير = الجولة الأحدث ناقص الجولة الأقدم، بالنقاط المئوية، أيًّا كانت الجولة المختارة أولاً.', by_published: '{newer} هي الأحدث: نُشرت بعد {older}.', by_first_response: '{newer} هي الأحدث: بدأت ردودها بعد ردود {older}.', by_assessment: '{newer} هي الأحدث: أُنشئ تقييم فريقها بعد تقييم {older}.', by_name: 'لا يميّز النشر ولا الردود الأولى بين الجولتين، لذا رُتّبتا حسب الاسم.', change_detail: 'كل الأسئلة والمجموعات', index: 'المؤشر', state_active: 'نشط', state_pending: 'قيد الانتظار', state_revoked: 'ملغى', breakdown_of: 'التصنيف حسب {dims}', generated: 'أُنشئ في {when}',
    conflict: 'تقييمات متعارضة', conflict_help: '{n} تقييمات لهذه الإدارة في هذه الجولة. لا تُحسب متوسطات الدرجات: يحتفظ الفريق بتقييم واحد ويسحب الباقي.', submission: 'الإرسال', submitted: 'تاريخ الإرسال',
    largest_changes: 'أكبر التغيرات (الأسئلة، الجميع)', beyond_noise: 'أكبر من ضجيج المعاينة', yes: 'نعم', no: 'لا', noise_note: 'يُختبر تغير كل سؤال مقابل ضجيج المعاينة باختبار z لنسبتين (مجمّع، ثنائي الطرف، 95 ٪)؛ ولا تُختبر مؤشرات الأقسام لأنها متوسطات للأسئلة.', all_elements: 'كل العناصر الرئيسية',
    item_detail: 'تفاصيل الأسئلة حسب القسم',
    reversed: 'صياغة معكوسة', reversed_rule: 'العبارات ذات الصياغة المعكوسة: ٪ الإيجابي = ٪ غير الموافقين.',
  },
  pt: {
    evidence_files: 'Ficheiros de evidência', indicator: 'Indicador', file: 'Ficheiro', size: 'Tamanho', not_held: 'ainda não está no servidor: chega com a próxima sincronização do posto', with_files: 'CSV e ficheiros (ZIP)',
    team_assessments: 'Avaliações da equipa', teams_n: 'avaliações da equipa: {n}', coverage: 'Cobertura', disagreements: 'Desacordos', printable_report: 'Relatório para imprimir', asm_draft: 'rascunho', asm_under_review: 'em revisão', asm_validated: 'validada (oficial)',
    item_id: 'N.º', tracked_plan: 'Plano de ação entre rondas', overdue: 'em atraso', indicators: 'Indicadores', updated: 'Atualizado', note: 'Nota de progresso', update: 'Atualizar', save: 'Guardar', saved: 'Guardado.', adopted_in: 'Adotado na ronda', status_change: 'Estado', changed: 'mudou', indicator_change: 'Indicadores a melhorar', plan_changes: 'Plano de ação',
    title: 'Equitas — resultados', overview: 'Visão geral', devices: 'Equipamentos', downloads: 'Transferências', audit: 'Registo de auditoria',
    signin: 'Entrar', signout: 'Sair', token: 'Token de administrador', token_help: 'Cole o token de administrador que `sync-server init` ou `sync-server admin-token create` imprimiu.',
    bad_token: 'Esse token foi recusado.', language: 'Língua', responses: 'Respostas', active_devices: 'Equipamentos ativos',
    stale: 'Sem contacto há 14 dias', sites: 'Postos', site: 'Posto', form: 'Formulário', round: 'Ronda', all_rounds: 'Todas as rondas',
    last_day: 'Última resposta', last_seen: 'Último contacto', never: 'nunca', compare: 'Comparar com', none: 'Nenhuma',
    by: 'Desagregar por', and: 'e', section_index: 'Índice da secção (% positivo)', factor_index: 'Índice do fator de Arusha (% positivo)',
    negative: 'Negativo', neutral: 'Neutro', positive: 'Positivo', suppressed: 'Oculto: grupo demasiado pequeno',
    answered: 'responderam', excluded: 'não sei / não se aplica', all: 'Todos', group: 'Grupo', change: 'Variação',
    from: 'De', to: 'Para', overall: 'Global', principles: 'Pontuação por princípio (% do máximo)',
    elements: 'Elementos-chave, do mais fraco para o mais forte', element: 'Elemento-chave', principle: 'Princípio', score: 'Pontuação',
    applicable: 'Aplicáveis', unanswered: 'Sem resposta', action_plan: 'Plano de ação', objective: 'Objetivo', activity: 'Atividade',
    owner: 'Responsável', deadline: 'Prazo', status: 'Estado', administration: 'Administração', assessments: 'avaliações',
    no_data: 'Ainda não há respostas.', state: 'Situação', revoke: 'Revogar', revoke_confirm: 'Revogar este equipamento? Não poderá voltar a sincronizar.',
    format: 'Formato', labels: 'Rótulos das opções em vez dos códigos', excel: 'CSV para Excel', when: 'Quando', actor: 'Quem', action: 'O quê', detail: 'Pormenor',
    perturbed: 'Para proteger os grupos pequenos, cada número é ligeiramente alterado (no máximo {n} respondentes), sempre da mesma forma, pelo que subtrair um número de outro não revela ninguém.', older: 'Entradas anteriores', threshold: 'Os grupos com menos de {n} respondentes são ocultados, juntamente com os outros necessários para que nenhum possa ser deduzido.',
    comparison: 'Variação entre rondas', free_text: 'Texto livre: apenas contado, nunca mostrado aqui.', show: 'Mostrar',
    response_rates: 'Taxas de resposta (respondentes / efetivo)', unit: 'Unidade de divulgação', open_form: 'Resultados', per_site: 'Respostas por posto', unavailable: 'O servidor não conseguiu responder: ',
    no_answer: '(sem resposta)', older: 'mais antiga', newer: 'mais recente', change_rule: 'Variação = ronda mais recente menos ronda mais antiga, em pontos percentuais, qualquer que seja a ronda escolhida primeiro.', by_published: '{newer} é mais recente: foi publicada depois de {older}.', by_first_response: '{newer} é mais recente: as suas respostas começaram depois das de {older}.', by_assessment: '{newer} é mais recente: a sua avaliação de equipa foi criada depois da de {older}.', by_name: 'Nem a publicação nem as primeiras respostas distinguem as duas rondas, por isso são ordenadas pelo nome.', change_detail: 'Todos os itens e grupos', index: 'Índice', state_active: 'ativo', state_pending: 'pendente', state_revoked: 'revogado', breakdown_of: 'Desagregado por {dims}', generated: 'Gerado em {when}',
    conflict: 'avaliações em conflito', conflict_help: '{n} avaliações desta administração nesta ronda. As pontuações não são calculadas em média: a equipa mantém uma e as outras são retiradas.', submission: 'Submissão', submitted: 'Submetida',
    largest_changes: 'Maiores variações (itens, todos os respondentes)', beyond_noise: 'Acima do ruído de amostragem', yes: 'sim', no: 'não', noise_note: 'A variação de um item é testada contra o ruído de amostragem com um teste z de duas proporções (agregado, bilateral, 95 %); os índices de secção são médias de itens e não são testados.', all_elements: 'Todos os elementos-chave',
    item_detail: 'Pormenor dos itens por secção',
    reversed: 'formulação invertida', reversed_rule: 'Afirmações de formulação invertida: % positivo = % dos que discordam.',
  },
};

const S = { lang: 'en', forms: [], actor: null };
const $ = (sel) => document.querySelector(sel);
const t = (k, vars) => {
  let s = (T[S.lang] && T[S.lang][k]) || T.en[k] || k;
  for (const [n, v] of Object.entries(vars || {})) s = s.replace('{' + n + '}', v);
  return s;
};

// --- DOM and SVG builders (no innerHTML: every text is a text node) --------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const COLORS = { neg: '#c2410c', neu: '#a3acb6', pos: '#1f6f50', bar: '#0b4f8a', sup: '#e3e7eb', axis: '#5b6876' };
const fmt = (x) => (x === null || x === undefined ? '—' : (Math.round(x * 10) / 10).toLocaleString(S.lang) );
// Percentages as each language writes them (Intl): "62.8%", "62,8 %", and in
// Arabic the sign wrapped in left-to-right marks. A plain "62.8 %" in an
// Arabic line shows as "% 62.8": the sign after a space is a neutral, which
// the right-to-left text puts first.
const pct = (x) => (x === null || x === undefined ? '—'
  : new Intl.NumberFormat(S.lang, { style: 'percent', maximumFractionDigits: 1 }).format(x / 100));

// A hatch for suppressed cells, defined once per chart.
function hatchDefs(id) {
  return s('defs', {}, s('pattern', { id, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
    s('rect', { width: 6, height: 6, fill: COLORS.sup }), s('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#b9c1c9', 'stroke-width': 2 })));
}
let hatchSeq = 0;

// Horizontal bars, 0-100. rows: [{label, value, suppressed, display, text}];
// opts.counts: the values are counts (scaled to the largest, no % axis).
// Each row is a grid of HTML label, SVG bar and HTML value: a label is text
// that wraps in a column of its own, in either direction. (Labels drawn
// inside one SVG could not wrap, and a long one ran off the left edge:
// "xternal body".)
function barChart(rows, title, opts = {}) {
  if (opts.counts) {
    const max = Math.max(1, ...rows.map((r) => r.value || 0));
    rows = rows.map((r) => ({ ...r, text: (r.value || 0).toLocaleString(S.lang), value: 100 * (r.value || 0) / max }));
  }
  const chart = h('figure', { class: 'barchart', role: 'group', 'aria-label': title });
  for (const r of rows) {
    const hidden = r.suppressed || r.value === null || r.value === undefined;
    const text = hidden ? (r.display || t('suppressed')) : (r.text || pct(r.value));
    chart.append(h('div', { class: 'bar-row' }, h('span', { class: 'bar-label', text: r.label }),
      hidden ? hiddenBar(r.label, r.display) : bar(r.value, `${r.label}: ${text}`, !opts.counts),
      h('span', { class: hidden ? 'bar-value suppressed' : 'bar-value', text })));
  }
  return chart;
}

// One bar, 0-100, drawn from the start of the reading direction (CSS
// mirrors it in Arabic). grid: the 0/50/100 % lines.
function bar(value, label, grid) {
  const svg = s('svg', { class: 'chart bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
  svg.append(s('title', {}, label));
  if (grid) for (const x of [50, 100]) svg.append(s('line', { x1: x, x2: x, y1: 0, y2: 10, stroke: '#d6dde4', 'vector-effect': 'non-scaling-stroke' }));
  svg.append(s('rect', { x: 0, y: 1, width: Math.max(0, Math.min(100, value)), height: 8, fill: COLORS.bar }));
  return svg;
}

function hiddenBar(label, display) {
  const hatch = 'hatch' + (++hatchSeq);
  const svg = s('svg', { class: 'chart bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img',
    'aria-label': `${label}: ${t('suppressed')} (${display || ''})` });
  svg.append(hatchDefs(hatch), s('rect', { x: 0, y: 1, width: 100, height: 8, fill: `url(#${hatch})`, 'data-suppressed': 'true' }));
  return svg;
}

// One diverging stacked bar: negative left of the centre, neutral across
// it, positive right. g: a report group ({negative, neutral, positive} or
// {suppressed, display}).
function likertBar(g, label) {
  const w = 420, hgt = 20, mid = w / 2, k = (w / 2) / 100;
  const hatch = 'hatch' + (++hatchSeq);
  const svg = s('svg', { class: 'chart likert', viewBox: `0 0 ${w} ${hgt}`, role: 'img', width: w, height: hgt, direction: 'ltr' });
  svg.append(hatchDefs(hatch));
  if (g.suppressed) {
    svg.setAttribute('aria-label', `${label}: ${g.display}`);
    svg.append(s('title', {}, `${label}: ${t('suppressed')} (${g.display})`));
    svg.append(s('rect', { x: 0, y: 2, width: w, height: hgt - 4, fill: `url(#${hatch})`, 'data-suppressed': 'true' }));
    svg.append(s('text', { x: mid, y: 14, 'text-anchor': 'middle', fill: COLORS.axis }, g.display));
    return svg;
  }
  const neg = g.negative || 0, neu = g.neutral || 0, pos = g.positive || 0;
  const summary = `${label}: ${t('negative')} ${pct(neg)}, ${t('neutral')} ${pct(neu)}, ${t('positive')} ${pct(pos)} (n=${g.n})`;
  svg.setAttribute('aria-label', summary);
  svg.append(s('title', {}, summary));
  // Left to right in the reading direction of the numbers (always LTR).
  let x = mid - (neg + neu / 2) * k;
  for (const [v, c] of [[neg, COLORS.neg], [neu, COLORS.neu], [pos, COLORS.pos]]) {
    svg.append(s('rect', { x, y: 2, width: Math.max(0, v * k), height: hgt - 4, fill: c }));
    x += v * k;
  }
  svg.append(s('line', { x1: mid, x2: mid, y1: 0, y2: hgt, stroke: COLORS.axis }));
  svg.append(s('text', { x: w - 4, y: 14, 'text-anchor': 'end', fill: '#fff' }, pos >= 12 ? Math.round(pos) + '%' : ''));
  return svg;
}

// GEOAT principles on a radar (one axis per principle, 0-100 %).
function radar(rows, title) {
  const n = rows.length, size = 320, c = size / 2, r = 110;
  const svg = s('svg', { class: 'radar', viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': title, width: size, height: size });
  svg.append(s('title', {}, title));
  if (n < 3) return svg;
  const pt = (i, v) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return [c + Math.cos(a) * r * v / 100, c + Math.sin(a) * r * v / 100];
  };
  for (const ring of [25, 50, 75, 100]) {
    svg.append(s('polygon', { points: rows.map((_, i) => pt(i, ring).join(',')).join(' '), fill: 'none', stroke: '#d6dde4' }));
  }
  rows.forEach((row, i) => {
    const [x, y] = pt(i, 100), [lx, ly] = pt(i, 122);
    svg.append(s('line', { x1: c, y1: c, x2: x, y2: y, stroke: '#d6dde4' }));
    svg.append(s('text', { x: lx, y: ly + 4, 'text-anchor': 'middle' }, row.short));
  });
  const shown = rows.map((row, i) => pt(i, row.value === null ? 0 : row.value).join(','));
  svg.append(s('polygon', { points: shown.join(' '), fill: 'rgba(11,79,138,.25)', stroke: COLORS.bar, 'stroke-width': 2 }));
  return svg;
}

const clip = (text, n) => (text && text.length > n ? text.slice(0, n - 1) + '…' : text || '');

// A file's size as the page's language writes it ("300 kB", "300 ko").
function fileSize(n) {
  const [v, unit] = n < 1024 ? [n, 'byte'] : n < 1048576 ? [n / 1024, 'kilobyte'] : [n / 1048576, 'megabyte'];
  return new Intl.NumberFormat(S.lang, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(v);
}

// Evidence files beside indicators (issue 18): the server lists them only
// to the roles that may take them (steward and admin). Each is a download
// from /api/v1/files/SHA256 (audited there), an image with its thumbnail
// from the same address; one still on its way from a post, its name only.
function evidenceView(files) {
  const rows = files.map((f) => {
    const url = '/api/v1/files/' + encodeURIComponent(f.sha256);
    const name = h('bdi', { text: f.name });
    const cell = f.held
      ? h('span', { class: 'evidence-file' }, h('a', { href: url, download: f.name, 'data-sha256': f.sha256 }, name),
        f.type && f.type.startsWith('image/') ? h('img', { class: 'thumb', src: url, alt: f.name, loading: 'lazy' }) : null)
      : h('span', { class: 'evidence-file' }, name, ' ', h('span', { class: 'muted', text: `(${t('not_held')})` }));
    return [h('code', { text: f.indicator || '—', title: f.label }), cell, fileSize(f.size)];
  });
  return h('div', { class: 'panel evidence' }, table([t('indicator'), t('file'), t('size')], rows, [2]));
}

// --- API ----------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...options });
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (res.status === 401) { showLogin(); throw new ApiError(401, (body && body.error) || 'unauthorized'); }
  if (!res.ok) throw new ApiError(res.status, (body && body.error) || res.statusText);
  return body;
}

const withLang = (path) => path + (path.includes('?') ? '&' : '?') + 'lang=' + encodeURIComponent(S.lang);

// --- pages -------------------------------------------------------------------

function setMain(...nodes) {
  const main = $('#main');
  main.replaceChildren(...nodes);
}

// Each route() draws only if no later one has begun: a page still loading
// for a language or a page the user has left since (its answers arrive
// late on a busy server) is dropped, never drawn over the current one.
// A page takes its number as it starts, before its first await.
let routeSeq = 0;
function drawFor(seq, ...nodes) {
  if (seq === routeSeq) setMain(...nodes);
}

function showLogin(message) {
  S.actor = null;
  $('#nav').hidden = true;
  $('#logout').hidden = true;
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-help' });
  const error = h('p', { class: 'error', id: 'login-error', role: 'alert' }, message || '');
  const form = h('form', { class: 'panel login', onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const res = await fetch('/api/v1/session', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: input.value.trim() }) });
    input.value = '';
    if (!res.ok) {
      let why = '';
      try { why = (await res.json()).error; } catch (e) { why = res.statusText; }
      error.textContent = res.status === 401 ? t('bad_token') : t('unavailable') + why;
      input.focus();
      return;
    }
    const who = await res.json();
    S.actor = who.actor;
    S.role = who.role;
    start();
  } },
  h('h1', { text: t('signin') }),
  h('label', { for: 'token', text: t('token') }), input,
  h('p', { class: 'muted', id: 'token-help', text: t('token_help') }),
  error,
  h('button', { type: 'submit', text: t('signin') }));
  setMain(form);
  input.focus();
}

function renderNav(current) {
  const nav = $('#nav');
  const links = [['#/overview', t('overview')]];
  for (const f of S.forms) links.push(['#/form/' + encodeURIComponent(f.id), f.title]);
  links.push(['#/devices', t('devices')], ['#/downloads', t('downloads')], ['#/audit', t('audit')]);
  nav.replaceChildren(...links.map(([href, label]) => h('a', { href, 'aria-current': href === current ? 'page' : null, text: clip(label, 38), title: label })));
  nav.hidden = false;
  $('#logout').hidden = false;
}

function table(head, rows, numeric = []) {
  return h('table', {},
    h('thead', {}, h('tr', {}, head.map((c, i) => h('th', { class: numeric.includes(i) ? 'num' : null, scope: 'col', text: c })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, c))))));
}

const when = (unix) => (unix ? new Date(unix * 1000).toLocaleString(S.lang) : t('never'));

async function pageOverview() {
  const mine = routeSeq;
  const o = await api(withLang('/api/v1/overview'));
  const cards = h('div', { class: 'cards' },
    h('div', { class: 'card' }, h('div', { class: 'big', id: 'total-responses', text: o.responses.toLocaleString(S.lang) }), t('responses')),
    h('div', { class: 'card' }, h('div', { class: 'big', text: String(o.devices.active) }), t('active_devices')),
    h('div', { class: 'card' }, h('div', { class: 'big', text: String(o.devices_not_seen_14_days) }), t('stale')),
    h('div', { class: 'card' }, h('div', { class: 'big', text: String(o.sites.length) }), t('sites')));
  const forms = table([t('form'), t('round'), t('responses'), t('last_day'), ''],
    o.forms.map((f) => [f.title || f.form, h('bdi', { text: f.round || '—' }), f.suppressed ? f.display : f.responses.toLocaleString(S.lang), f.last_day,
      h('a', { href: '#/form/' + encodeURIComponent(f.form) + (f.round ? '?round=' + encodeURIComponent(f.round) : ''), text: t('open_form') })]), [2]);
  const chart = barChart(o.sites.map((x) => ({ label: x.site, value: x.responses })), t('per_site'), { counts: true });
  const sites = table([t('site'), t('devices'), t('responses'), t('last_seen')],
    o.sites.map((x) => [x.site, String(x.devices), x.responses.toLocaleString(S.lang), when(x.last_seen_at)]), [1, 2]);
  drawFor(mine, h('h1', { text: t('overview') }), cards,
    h('h2', { text: t('responses') }), h('div', { class: 'panel' }, o.forms.length ? forms : h('p', { class: 'muted', text: t('no_data') })),
    h('h2', { text: t('per_site') }), h('div', { class: 'panel' }, chart, sites));
}

// A breakdown category's label; the code "" is "(no answer)", in the page's language.
const categoryLabel = (cat) => (cat.code === '' ? t('no_answer') : cat.label);
// A round's name is the user's text ("2026-baseline"): isolated (U+2068 …
// U+2069) so that an Arabic page does not reorder it into "baseline-2026".
const isolate = (x) => `\u2068${x}\u2069`;
const roundName = (r) => (r === null || r === undefined ? t('all_rounds') : isolate(r || '—'));
// A round in a list: its name, and its responses (as published) or, for a
// GEOAT round the team assessed, its team assessments.
const roundLabel = (r) => {
  const responses = r.suppressed ? r.display : r.responses;
  const teams = r.assessments ? t('teams_n', { n: r.assessments }) : '';
  const count = teams && !r.suppressed && !r.responses ? teams : teams ? `${responses} · ${teams}` : responses;
  return `${isolate(r.round || '—')} (${count})`;
};

// "Female", or with two dimensions always both ("Female · All"), so that
// neither dimension's "(no answer)" can be taken for the other's.
function groupLabel(report, group) {
  if (!report.breakdown.length || !Object.keys(group || {}).length) return t('all');
  return report.breakdown.map((dim) => {
    if (!(dim.name in (group || {}))) return t('all');
    const cat = dim.categories.find((c) => c.code === group[dim.name]);
    return cat ? categoryLabel(cat) : group[dim.name];
  }).join(' · ');
}

const isTotal = (g) => Object.keys(g.group || {}).length === 0;
const overall = (groups) => groups.find(isTotal) || groups[0];
const hiddenCell = (g) => h('span', { class: 'suppressed', 'data-suppressed': 'true', text: g.display || '—' });

// The entry of `groups` for a category of each dimension (null: that
// dimension's total).
function groupAt(report, groups, ...cats) {
  return groups.find((g) => report.breakdown.every((dim, i) => (cats[i] === null || cats[i] === undefined
    ? !(dim.name in g.group) : g.group[dim.name] === cats[i].code)));
}

// A two-way breakdown as a grid: the first dimension's categories down, the
// second's across, each with its total last, so "(no answer)" is one row and
// one column, each under its own dimension. draw(group) fills a cell.
function grid(report, groups, draw, caption) {
  const [d0, d1] = report.breakdown;
  const rows = [...d0.categories, null], cols = [...d1.categories, null];
  const name = (cat) => (cat === null ? t('all') : categoryLabel(cat));
  return h('table', { class: 'grid' }, h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'corner', text: `${d0.label} × ${d1.label}` }),
      cols.map((c) => h('th', { scope: 'col', class: c === null ? 'num total' : 'num', text: name(c) })))),
    h('tbody', {}, rows.map((r) => h('tr', { class: r === null ? 'total' : null }, h('th', { scope: 'row', text: name(r) }),
      cols.map((c) => {
        const g = groupAt(report, groups, r, c);
        return h('td', { class: c === null ? 'num total' : 'num' }, g ? draw(g) : '—');
      })))));
}

// Section indexes by the categories of a one-way breakdown: sections down,
// categories across.
function indexTable(report, sections) {
  const cols = [...report.breakdown[0].categories, null];
  return h('div', { class: 'index-by' }, table(['', ...cols.map((c) => (c === null ? t('all') : categoryLabel(c)))],
    sections.map((sec) => [sec.label, ...cols.map((c) => {
      const g = groupAt(report, sec.groups, c);
      return !g || g.suppressed ? hiddenCell(g || {}) : fmt(g.index);
    })]), cols.map((_, i) => i + 1)));
}

async function pageForm(id, params) {
  const mine = routeSeq;
  const form = S.forms.find((f) => f.id === id);
  if (!form) { drawFor(mine, h('p', { class: 'error', text: 'no such form' })); return; }
  const rounds = (await api('/api/v1/rounds?form=' + encodeURIComponent(id))).rounds;
  const q = new URLSearchParams();
  for (const k of ['round', 'compare', 'by']) if (params.get(k)) q.set(k, params.get(k));
  const report = await api(withLang('/api/v1/reports/' + encodeURIComponent(id) + (q.toString() ? '?' + q : '')));

  // Controls: round, comparison, breakdown (at most two dimensions).
  const nav = (changes) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) { if (v) p.set(k, v); else p.delete(k); }
    if (!p.get('round')) p.delete('compare');
    location.hash = '#/form/' + encodeURIComponent(id) + (p.toString() ? '?' + p : '');
  };
  const roundSel = h('select', { id: 'round', onchange: (e) => nav({ round: e.target.value }) },
    h('option', { value: '', text: t('all_rounds') }), rounds.map((r) => h('option', { value: r.round, selected: params.get('round') === r.round, text: roundLabel(r) })));
  const cmpSel = h('select', { id: 'compare', disabled: !params.get('round'), onchange: (e) => nav({ compare: e.target.value }) },
    h('option', { value: '', text: t('none') }), rounds.filter((r) => r.round !== params.get('round')).map((r) => h('option', { value: r.round, selected: params.get('compare') === r.round, text: isolate(r.round || '—') })));
  const by = (params.get('by') || '').split(',').filter(Boolean);
  const dimSel = (i) => h('select', { id: 'by' + i, onchange: (e) => {
    const next = [...by]; next[i] = e.target.value;
    nav({ by: next.filter(Boolean).slice(0, 2).join(',') });
  } }, h('option', { value: '', text: t('none') }), form.breakdowns.map((b) => h('option', { value: b.name, selected: by[i] === b.name, text: b.label })));
  const controls = h('div', { class: 'controls' },
    h('label', {}, t('round'), roundSel), h('label', {}, t('compare'), cmpSel));
  if (form.breakdowns.length) controls.append(h('label', {}, t('by'), dimSel(0)), h('label', {}, t('and'), dimSel(1)));

  // On paper the controls are gone: this line says what the report is of.
  const context = [`${t('round')}: ${roundName(params.get('round'))}`];
  if (report.comparison) context.push(`${t('compare')}: ${roundName(params.get('compare'))}`);
  if (report.breakdown.length) context.push(t('breakdown_of', { dims: report.breakdown.map((d) => d.label).join(' × ') }));
  context.push(t('generated', { when: new Date(report.generated_at).toLocaleString(S.lang) }));
  const out = [h('h1', { text: report.form.title }), controls, h('p', { class: 'print-only', id: 'print-context', text: context.join(' · ') })];
  if (form.kind !== 'geoat') out.push(h('p', { class: 'muted', text: t('threshold', { n: report.form.suppression_threshold }) }));
  // An anonymous form's figures carry consistent noise (docs/security.md, "Anonymity").
  if (report.form.perturbed) out.push(h('p', { class: 'muted', id: 'perturbed-note', text: t('perturbed', { n: report.form.perturbed.max_noise }) }));
  // The change between rounds first: it is what a comparison is asked for.
  if (report.comparison) out.push(...comparisonView(report));
  if (form.kind === 'geoat') out.push(...await teamAssessments(id), ...await trackedPlan());
  for (const period of report.periods) {
    if (report.periods.length > 1) out.push(h('h2', { text: `${t('round')}: ${roundName(period.round)}` }));
    if (period.geoat) out.push(...geoatView(period.geoat));
    else out.push(...surveyView(report, period.survey, form.kind === 'factors', period.response_rates));
  }
  drawFor(mine, ...out);
}

function legend() {
  return h('div', { class: 'legend' },
    h('span', {}, h('span', { class: 'swatch neg' }), t('negative')), h('span', {}, h('span', { class: 'swatch neu' }), t('neutral')),
    h('span', {}, h('span', { class: 'swatch pos' }), t('positive')), h('span', {}, h('span', { class: 'swatch sup' }), t('suppressed')));
}

// A select item's shares in the form's order of choices, by label (codes the
// form no longer lists last, as they are).
function choiceRows(item, percent) {
  const listed = (item.choices || []).filter((c) => c.code in percent);
  const rest = Object.keys(percent).filter((code) => !listed.some((c) => c.code === code));
  return [...listed.map((c) => ({ label: c.label, value: percent[c.code] })), ...rest.map((code) => ({ label: code, value: percent[code] }))];
}

// Respondents over headcounts per reporting unit and sex: a hidden count
// shows as hidden, and has no rate.
function ratesView(rates) {
  const cell = (c) => {
    const n = c.responses && c.responses.suppressed ? hiddenCell(c.responses) : h('span', { text: String(c.responses) });
    return h('span', { 'data-rate': c.rate === null ? '' : String(c.rate) }, n, ` / ${c.headcount ?? '—'}`,
      c.rate === null ? '' : ` (${pct(c.rate)})`);
  };
  const row = (name, u) => [name, cell(u), ...u.by_sex.map(cell)];
  const rows = rates.units.map((u) => row(u.unit, u));
  rows.push(row(t('overall'), rates.total));
  return [h('h2', { id: 'response-rates', text: t('response_rates') }),
    h('div', { class: 'panel' }, table([t('unit'), t('all'), ...rates.sexes.map((x) => x.label)], rows))];
}

function groupSizes(report, survey) {
  if (report.breakdown.length === 2) {
    return grid(report, survey.responses, (g) => (g.suppressed ? hiddenCell(g) : String(g.n)), `${t('responses')} (n)`);
  }
  return table([t('group'), 'n'], survey.responses.map((r) =>
    [groupLabel(report, r.group), r.suppressed ? hiddenCell(r) : String(r.n)]), [1]);
}

// The section indexes: a bar each for everyone, then by the breakdown (a
// table of sections by category, or one grid per section).
function sectionIndexes(report, survey, factors) {
  const indexed = survey.sections.filter((sec) => sec.items > 0);
  if (!indexed.length) return [];
  const title = factors ? t('factor_index') : t('section_index');
  const panel = h('div', { class: 'panel', id: 'section-index' }, barChart(indexed.map((sec) => {
    const g = overall(sec.groups);
    return { label: sec.label, value: g.index, suppressed: g.suppressed || g.index === undefined, display: g.display };
  }), title));
  if (report.breakdown.length === 1) panel.append(indexTable(report, indexed));
  if (report.breakdown.length === 2) {
    for (const sec of indexed) panel.append(grid(report, sec.groups, (g) => (g.suppressed ? hiddenCell(g) : fmt(g.index)), sec.label));
  }
  return [h('h2', { text: title }), panel];
}

function likertItem(report, item) {
  const bars = h('div', { class: 'bars' });
  const row = (g) => bars.append(h('span', { text: groupLabel(report, g.group) + (g.suppressed ? '' : ` (n=${g.n})`) }), likertBar(g, item.label));
  const two = report.breakdown.length === 2;
  // Two dimensions make (rows+1) x (cols+1) groups: one bar for everyone,
  // and the groups' percent positive as a grid one click below (forty bars
  // an item made the page 25,000 px tall).
  if (two) row(overall(item.groups));
  else item.groups.forEach(row);
  const dims = report.breakdown.map((d) => d.label).join(' × ');
  const label = h('div', { class: 'label', text: item.label });
  if (item.reversed) label.append(' ', h('span', { class: 'reversed', title: t('reversed_rule'), text: t('reversed') }));
  return h('div', { class: 'item', 'data-item': item.name }, label, bars,
    two ? h('details', { class: 'item-grid' }, h('summary', { text: `% ${t('positive')}: ${dims}` }),
      grid(report, item.groups, (g) => (g.suppressed ? hiddenCell(g) : pct(g.positive)), `% ${t('positive')}`)) : null);
}

// Jumps to a section of the page. Not an href="#...": the hash is the
// page's route.
const jumpTo = (target) => h('a', { href: '#', onclick: (ev) => {
  ev.preventDefault();
  target.scrollIntoView({ block: 'start' });
  target.focus({ preventScroll: true });
} }, target.textContent);

function surveyView(report, survey, factors, rates) {
  // The summary first: how many answered, the indexes, and where each
  // section's items are.
  const all = overall(survey.responses);
  const out = [h('div', { class: 'cards summary' }, h('div', { class: 'card' },
    h('div', { class: 'big', id: 'form-responses', text: all.suppressed ? all.display : all.n.toLocaleString(S.lang) }), t('responses')))];
  if (report.breakdown.length) out.push(h('div', { class: 'panel' }, groupSizes(report, survey)));
  // Who answered, against the staff HQ counted, before what they said.
  if (rates) out.push(...ratesView(rates));
  out.push(...sectionIndexes(report, survey, factors));
  const contents = h('ol', {});
  out.push(h('nav', { class: 'toc', 'aria-label': t('item_detail') }, h('h2', { text: t('item_detail') }), contents));
  // Items, section by section in the form's order, each headed by its
  // group's label in the page's language.
  const sections = new Map();
  for (const item of survey.items) {
    if (!sections.has(item.section)) sections.set(item.section, { label: item.section_label || item.section, items: [] });
    sections.get(item.section).items.push(item);
  }
  for (const [, sec] of sections) {
    const likert = sec.items.filter((i) => i.kind === 'likert');
    const other = sec.items.filter((i) => i.kind === 'select_one' || i.kind === 'select_multiple' || i.kind === 'indicator');
    const text = sec.items.filter((i) => i.kind === 'text');
    if (!likert.length && !other.length && !text.length) continue;
    const panel = h('div', { class: 'panel' });
    if (likert.length) panel.append(legend());
    if (likert.some((i) => i.reversed)) panel.append(h('p', { class: 'muted reversed-rule', text: t('reversed_rule') }));
    for (const item of likert) panel.append(likertItem(report, item));
    for (const item of other) {
      const g = overall(item.groups);
      if (g.suppressed || !g.percent) {
        panel.append(h('div', { class: 'item', 'data-item': item.name }, h('div', { class: 'label', text: item.label }),
          hiddenCell(g.suppressed ? g : {})));
        continue;
      }
      panel.append(h('div', { class: 'item', 'data-item': item.name }, h('div', { class: 'label', text: `${item.label} (n=${g.n})` }),
        barChart(choiceRows(item, g.percent), item.label)));
    }
    for (const item of text) {
      const g = overall(item.groups);
      panel.append(h('div', { class: 'item', 'data-item': item.name }, h('div', { class: 'label', text: item.label }),
        h('span', { class: 'muted', text: g.suppressed ? g.display : `${g.answered} ${t('answered')}. ${t('free_text')}` })));
    }
    const heading = h('h2', { class: 'section', tabindex: '-1', text: sec.label });
    contents.append(h('li', {}, jumpTo(heading)));
    out.push(heading, panel);
  }
  return out;
}

// The action plan's rows, each status by its label.
function actionPlan(a) {
  if (!a.action_plan || !a.action_plan.length) return [];
  return [h('h3', { text: t('action_plan') }), h('div', { class: 'panel' }, table(
    [t('objective'), t('activity'), t('owner'), t('deadline'), t('status')],
    a.action_plan.map((r) => [r.objective, r.activity, r.owner, r.deadline, r.status_label || r.status])))];
}

// The team assessments of a GEOAT form (docs/assessments.md), each with its
// state, coverage and the link to its printable report in the page's language.
async function teamAssessments(formId) {
  const { assessments } = await api('/api/v1/assessments');
  const mine = assessments.filter((a) => a.form_id === formId);
  if (!mine.length) return [];
  return [h('h2', { text: t('team_assessments') }), h('div', { class: 'panel' }, table(
    [t('administration'), t('round'), t('state'), t('coverage'), t('disagreements'), ''],
    mine.map((a) => [h('bdi', { text: a.administration.name }), h('bdi', { text: a.round }), t('asm_' + a.state),
      a.coverage ? h('bdi', { dir: 'ltr', text: `${a.coverage.rated}/${a.coverage.applicable}` }) : '—', String(a.disagreements),
      h('a', { href: withLang('/api/v1/assessments/' + encodeURIComponent(a.id) + '/report'), target: '_blank',
        rel: 'noopener', class: 'assessment-report', text: t('printable_report') })]), [3, 4])),
    ...mine.flatMap((a) => evidenceFiles(a.evidence_files, `${t('evidence_files')} — ${isolate(a.administration.name)} (${isolate(a.round)})`))];
}

// The action plan between rounds (docs/assessments.md): every item adopted
// from a validated assessment, its status with overdue items flagged, and,
// for a steward or admin, a dated update (status, note, linked indicators
// chosen from the form's, never typed).
async function trackedPlan() {
  const plan = await api(withLang('/api/v1/actions'));
  if (!plan.items.length) return [];
  const steward = S.role === 'steward' || S.role === 'admin';
  const rows = plan.items.map((i) => {
    const status = h('span', { class: 'action-status' + (i.overdue ? ' overdue' : '') },
      i.status_label, i.overdue ? h('strong', { class: 'overdue-flag', text: ` (${t('overdue')})` }) : null);
    const inds = h('span', { class: 'action-indicators' },
      ...i.indicators.map((x, n) => h('abbr', { title: x.label, text: (n ? ', ' : '') + x.id })));
    const row = [h('code', { text: i.id }), i.activity, inds, i.owner || '—', i.deadline || '—', status,
      h('span', { class: 'action-note', text: `${i.updated}${i.note ? ' — ' + i.note : ''}` })];
    if (steward) row.push(updateForm(i, plan));
    return row;
  });
  const head = [t('item_id'), t('activity'), t('indicators'), t('owner'), t('deadline'), t('status'), t('updated')];
  if (steward) head.push(t('update'));
  return [h('h2', { id: 'tracked-plan', text: t('tracked_plan') }), h('div', { class: 'panel tracked-plan' }, table(head, rows))];
}

function updateForm(item, plan) {
  const status = h('select', { name: 'status', 'aria-label': t('status') },
    ...plan.statuses.map((c) => h('option', { value: c.code, text: c.label, selected: c.code === item.status })));
  const linked = new Set(item.indicators.map((x) => x.id));
  const indicators = h('select', { name: 'indicators', multiple: true, size: 6, 'aria-label': t('indicators') },
    ...plan.indicators.map((x) => h('option', { value: x.id, selected: linked.has(x.id),
      text: x.label.startsWith(x.id) ? x.label : `${x.id} ${x.label}` })));
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000, 'aria-label': t('note') });
  const said = h('p', { class: 'muted', role: 'status' });
  const form = h('form', { class: 'action-update', onsubmit: async (ev) => {
    ev.preventDefault();
    said.textContent = '';
    try {
      await api(withLang('/api/v1/actions/' + encodeURIComponent(item.id)), { method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ status: status.value, note: note.value.trim(),
          indicators: [...indicators.selectedOptions].map((o) => o.value) }) });
      said.textContent = t('saved');
      route();
    } catch (e) {
      said.textContent = e.message;
      said.className = 'error';
    }
  } }, h('label', {}, t('status'), status), h('label', {}, t('indicators'), indicators),
  h('label', {}, t('note'), note), h('button', { type: 'submit', text: t('save') }), said);
  return h('details', {}, h('summary', { text: t('update') }), form);
}

// In a round comparison: each action item's status as the older round stood
// and as the newer stands, and the indicators it was meant to move.
function actionChanges(admins) {
  const out = [];
  for (const a of admins || []) {
    if (!a.items.length) continue;
    const rows = a.items.map((i) => {
      const from = i.status.from === null ? '—' : i.status.from_label;
      const status = h('span', { class: i.status.changed ? 'changed' : null }, `${from} → ${i.status.to_label}`,
        i.status.changed ? h('strong', { text: ` (${t('changed')})` }) : null);
      const moved = h('span', {}, ...i.indicators.map((m, n) => h('span', { title: m.label },
        `${n ? '; ' : ''}${m.id}: ${m.from === null ? '—' : m.from} → ${m.to === null ? '—' : m.to} `, changeCell(m))));
      return [h('code', { text: i.id }), i.activity, status, moved];
    });
    out.push(h('div', { class: 'panel comparison action-changes' },
      h('h3', { text: `${t('plan_changes')} — ${a.administration.name}` }),
      table([t('item_id'), t('activity'), t('status_change'), t('indicator_change')], rows)));
  }
  return out;
}

function geoatView(geoat) {
  const out = [];
  for (const a of geoat.administrations) {
    if (a.conflict) {
      out.push(...conflictView(a));
      continue;
    }
    out.push(h('h2', { text: `${a.administration} — ${t('overall')} ${pct(a.overall.percent)} (${a.assessments} ${t('assessments')})` }));
    const rows = a.principles.map((p) => ({ label: p.label, short: p.id.toUpperCase(), value: p.percent }));
    const panel = h('div', { class: 'panel' }, h('h3', { text: t('principles') }),
      h('div', { class: 'geoat-charts' }, radar(rows, t('principles')), barChart(rows, t('principles'))));
    out.push(panel);
    out.push(h('h3', { text: t('elements') }), h('div', { class: 'panel' }, table(
      [t('element'), t('principle'), t('score'), t('applicable'), t('excluded'), t('unanswered')],
      a.elements.map((e) => [e.label, e.principle.toUpperCase(), pct(e.percent), String(e.applicable),
        String(Object.values(e.excluded || {}).reduce((x, y) => x + y, 0)), String(e.unanswered)]), [2, 3, 4, 5])));
    out.push(...actionPlan(a), ...evidenceFiles(a.evidence_files));
  }
  return out;
}

function evidenceFiles(files, title) {
  if (!files || !files.length) return [];
  return [h('h3', { text: title || t('evidence_files') }), evidenceView(files)];
}

// More than one assessment of an administration in a round: the server
// withholds every score (an average of two self-assessments is neither), and
// the page lists the assessments for the team to keep one. The action plans
// are shown, as they are.
function conflictView(a) {
  const out = [h('h2', { class: 'conflict', text: `${a.administration} — ${t('conflict')}` }),
    h('div', { class: 'panel conflict', role: 'note' }, h('p', { text: t('conflict_help', { n: a.assessments }) }),
      table([t('submission'), t('submitted'), t('overall')], a.submissions.map((x) =>
        [h('code', { text: x.submission_id.slice(0, 12) + '…', title: x.submission_id }), x.submitted_at, pct(x.overall)]), [2]))];
  out.push(...actionPlan(a), ...evidenceFiles(a.evidence_files));
  return out;
}

function changeCell(c) {
  if (c.change === null || c.change === undefined) return h('span', { class: 'suppressed', text: '—' });
  const cls = c.change > 0 ? 'up' : c.change < 0 ? 'down' : null;
  return h('span', { class: cls, text: (c.change > 0 ? '▲ +' : c.change < 0 ? '▼ ' : '') + fmt(c.change) });
}

// The change between two rounds, newer minus older whichever the user
// picked first (the server decides which is newer and says how): a compact
// table of the indexes first, every item and group one click below.
function comparisonView(report) {
  const c = report.comparison;
  const basis = { published: 'by_published', first_response: 'by_first_response', assessment_created: 'by_assessment' }[c.order_by] || 'by_name';
  const head = ['', `${roundName(c.older)} (${t('older')})`, `${roundName(c.newer)} (${t('newer')})`, t('change')];
  const cells = (x) => [pct(x.from), pct(x.to), changeCell(x)];
  const out = [h('h2', { id: 'comparison', text: `${t('comparison')}: ${roundName(c.older)} → ${roundName(c.newer)}` }),
    h('p', { class: 'muted' }, `${t('change_rule')} ${t(basis, { newer: roundName(c.newer), older: roundName(c.older) })}`)];
  const detail = (summary, rows) => h('details', {}, h('summary', { text: summary }), table(head, rows, [1, 2, 3]));
  if (c.geoat) {
    for (const a of c.geoat.administrations) {
      out.push(h('div', { class: 'panel comparison' }, h('h3', { text: a.administration }),
        table(head, [[t('overall'), ...cells(a.overall)], ...a.principles.map((p) => [p.label, ...cells(p)])], [1, 2, 3]),
        detail(t('all_elements'), a.elements.map((e) => [e.label, ...cells(e)]))));
    }
    out.push(...actionChanges(c.geoat.actions));
    return out;
  }
  // Every index for everyone; a form with no index shows its items instead.
  const top = c.survey.sections.length ? c.survey.sections : c.survey.items;
  const rows = [];
  for (const part of ['sections', 'items']) {
    for (const e of c.survey[part]) {
      for (const g of e.groups) rows.push([report.breakdown.length ? `${e.label} — ${groupLabel(report, g.group)}` : e.label, ...cells(g)]);
    }
  }
  // The items that moved most, for everyone, each marked against sampling noise.
  const noise = (x) => (x.beyond_noise === true ? t('yes') : x.beyond_noise === false ? t('no') : '—');
  const moved = c.survey.items.map((e) => [e, overall(e.groups)]).filter(([, g]) => typeof g.change === 'number')
    .sort((x, y) => Math.abs(y[1].change) - Math.abs(x[1].change)).slice(0, 5);
  out.push(h('div', { class: 'panel comparison' }, table(head, top.map((e) => [e.label, ...cells(overall(e.groups))]), [1, 2, 3]),
    moved.length ? h('h3', { text: t('largest_changes') }) : null,
    moved.length ? h('div', { class: 'largest' }, table([...head, t('beyond_noise')],
      moved.map(([e, g]) => [e.label, ...cells(g), noise(g)]), [1, 2, 3])) : null,
    h('p', { class: 'muted', text: t('noise_note') }),
    detail(t('change_detail'), rows)));
  return out;
}

async function pageDevices() {
  const mine = routeSeq;
  const { devices } = await api('/api/v1/devices');
  const rows = devices.map((d) => [d.site, h('code', { text: d.device_id.slice(0, 12) + '…', title: d.device_id }),
    T.en['state_' + d.state] ? t('state_' + d.state) : d.state,
    when(d.last_seen_at) + (d.stale ? ' ⚠' : ''),
    d.state === 'revoked' ? '' : h('button', { type: 'button', class: 'danger', text: t('revoke'), onclick: async () => {
      if (!confirm(t('revoke_confirm'))) return;
      try {
        await api('/api/v1/devices/' + d.device_id + '/revoke', { method: 'POST' });
        route();
      } catch (e) {
        if (e.status !== 401) alert(t('unavailable') + e.message);
      }
    } })]);
  drawFor(mine, h('h1', { text: t('devices') }), h('div', { class: 'panel' }, table([t('site'), 'ID', t('state'), t('last_seen'), ''], rows)));
}

async function pageDownloads() {
  const mine = routeSeq;
  const { rounds } = await api('/api/v1/rounds');
  const out = [h('h1', { text: t('downloads') })];
  const labels = h('input', { type: 'checkbox', id: 'labels' });
  out.push(h('p', {}, labels, ' ', h('label', { for: 'labels', text: t('labels') })));
  const panel = h('div', { class: 'panel downloads' });
  for (const f of S.forms) {
    const options = rounds.filter((r) => r.form === f.id);
    if (!options.length) continue;
    const sel = h('select', { 'aria-label': `${f.title}: ${t('round')}` }, h('option', { value: '', text: t('all_rounds') }),
      options.map((r) => h('option', { value: r.round, text: roundLabel(r) })));
    const link = (format, text, extra) => h('a', { class: 'button', href: '#', 'data-format': format, onclick: (ev) => {
      const q = new URLSearchParams({ format, ...extra });
      if (sel.value) q.set('round', sel.value);
      // SPSS and Stata files always carry value labels: in the page's language.
      if (labels.checked || format === 'sav' || format === 'dta') q.set('lang', S.lang);
      if (labels.checked && format !== 'sav' && format !== 'dta') q.set('labels', '1');
      ev.currentTarget.href = '/api/v1/exports/' + encodeURIComponent(f.id) + '?' + q;
      ev.currentTarget.setAttribute('download', '');
    }, text });
    // The files its responses name, with the data, in one zip: for the
    // roles that download such a form's data.
    const zip = f.files && (S.role === 'steward' || S.role === 'admin') ? link('csv', t('with_files'), { with_files: '1' }) : null;
    if (zip) zip.classList.add('with-files');
    panel.append(h('div', { class: 'row' }, h('strong', { text: f.title }), sel,
      link('xlsx', 'XLSX'), link('csv', 'CSV'), link('csv', t('excel'), { bom: '1' }), link('sav', 'SPSS'),
      link('dta', 'Stata'), link('jsonl', 'JSONL'), zip));
  }
  out.push(panel.childNodes.length ? panel : h('p', { class: 'muted', text: t('no_data') }));
  drawFor(mine, ...out);
}

async function pageAudit(before) {
  const mine = routeSeq;
  const { entries } = await api('/api/v1/audit?limit=100' + (before ? '&before=' + before : ''));
  const rows = entries.map((e) => [new Date(e.at).toLocaleString(S.lang), e.actor, e.action, e.detail]);
  const more = entries.length === 100 ? h('button', { type: 'button', class: 'quiet', text: t('older'),
    onclick: () => pageAudit(entries[entries.length - 1].id) }) : null;
  drawFor(mine, h('h1', { text: t('audit') }), h('div', { class: 'panel' }, table([t('when'), t('actor'), t('action'), t('detail')], rows)), more);
}

// --- routing -------------------------------------------------------------------

async function route() {
  const mine = ++routeSeq;
  const hash = location.hash || '#/overview';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  renderNav('#/' + parts.map(encodeURIComponent).join('/'));
  try {
    if (parts[0] === 'form' && parts[1]) await pageForm(decodeURIComponent(parts[1]), params);
    else if (parts[0] === 'devices') await pageDevices();
    else if (parts[0] === 'downloads') await pageDownloads();
    else if (parts[0] === 'audit') await pageAudit();
    else await pageOverview();
    if (mine === routeSeq) $('#main').focus({ preventScroll: true });
  } catch (e) {
    if (e.status !== 401) drawFor(mine, h('p', { class: 'error', role: 'alert', text: t('unavailable') + e.message }));
  }
}

async function start() {
  try {
    const who = await api('/api/v1/session');
    S.actor = who.actor;
    S.role = who.role;
    S.forms = (await api(withLang('/api/v1/forms'))).forms;
  } catch (e) {
    if (e.status !== 401) setMain(h('p', { class: 'error', role: 'alert', text: t('unavailable') + e.message }));
    return;
  }
  route();
}

function applyLang(lang) {
  S.lang = T[lang] ? lang : 'en';
  document.documentElement.lang = S.lang;
  document.dir = S.lang === 'ar' ? 'rtl' : 'ltr';
  document.title = t('title');
  $('#lang-label').textContent = t('language');
  $('#logout').textContent = t('signout');
  $('#lang').value = S.lang;
}

document.addEventListener('DOMContentLoaded', () => {
  // Remembered per browser (only the language: nothing else is stored).
  let saved = null;
  try { saved = localStorage.getItem('eq_dash_lang'); } catch (e) { saved = null; }
  const guess = (navigator.language || 'en').slice(0, 2);
  applyLang(saved || (T[guess] ? guess : 'en'));
  $('#lang').addEventListener('change', async (e) => {
    applyLang(e.target.value);
    try { localStorage.setItem('eq_dash_lang', S.lang); } catch (err) { /* private mode */ }
    if (S.actor) { S.forms = (await api(withLang('/api/v1/forms'))).forms; route(); } else showLogin();
  });
  $('#logout').addEventListener('click', async () => {
    await fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin' });
    showLogin();
  });
  window.addEventListener('hashchange', () => { if (S.actor) route(); });
  start();
});
