// Equitas collector: geotrace and geoshape questions (issue 19), a line or
// a shape answered as a list of points rather than drawn on a map (the page
// has no map tiles offline). app.js fetches this file only for a form that
// has such a question, so the first page stays within its size budget, and
// hands it its helpers: those of the geopoint (coordinate fields, readings
// from the device) serve here too.
'use strict';
window.EquitasGeoList = function (ui) {
  const { el, t, addStrings, changed, getAnswer, wrapper, hintAndError, labelNodes, idFor, coordField, canLocate,
    pointOf, pointText, locateButton } = ui;
  const T = {
    en: { point: 'Point {0}', addPoint: 'Add a point', addLocation: 'Add this device\'s location', removePoint: 'Remove this point',
      pointCount: 'Points: {0}', traceNote: 'A line needs at least 2 points.',
      shapeNote: 'A shape needs at least 3 points. It is closed when saved: the first point is repeated at the end.' },
    fr: { point: 'Point {0}', addPoint: 'Ajouter un point', addLocation: 'Ajouter la position de cet appareil',
      removePoint: 'Retirer ce point', pointCount: 'Points : {0}', traceNote: 'Une ligne demande au moins 2 points.',
      shapeNote: 'Une forme demande au moins 3 points. Elle est fermée à l’enregistrement : le premier point est répété à la fin.' },
    es: { point: 'Punto {0}', addPoint: 'Añadir un punto', addLocation: 'Añadir la ubicación de este dispositivo',
      removePoint: 'Quitar este punto', pointCount: 'Puntos: {0}', traceNote: 'Una línea necesita al menos 2 puntos.',
      shapeNote: 'Una forma necesita al menos 3 puntos. Se cierra al guardar: el primer punto se repite al final.' },
    ru: { point: 'Точка {0}', addPoint: 'Добавить точку', addLocation: 'Добавить местоположение устройства',
      removePoint: 'Удалить эту точку', pointCount: 'Точек: {0}', traceNote: 'Для линии нужно не менее 2 точек.',
      shapeNote: 'Для фигуры нужно не менее 3 точек. При сохранении она замыкается: первая точка повторяется в конце.' },
    ar: { point: 'النقطة {0}', addPoint: 'إضافة نقطة', addLocation: 'إضافة موقع هذا الجهاز', removePoint: 'حذف هذه النقطة',
      pointCount: 'عدد النقاط: {0}', traceNote: 'يحتاج الخط إلى نقطتين على الأقل.',
      shapeNote: 'يحتاج الشكل إلى 3 نقاط على الأقل. يُغلق عند الحفظ: تتكرر النقطة الأولى في النهاية.' },
    pt: { point: 'Ponto {0}', addPoint: 'Adicionar um ponto', addLocation: 'Adicionar a localização deste dispositivo',
      removePoint: 'Remover este ponto', pointCount: 'Pontos: {0}', traceNote: 'Uma linha precisa de pelo menos 2 pontos.',
      shapeNote: 'Uma forma precisa de pelo menos 3 pontos. É fechada ao guardar: o primeiro ponto repete-se no fim.' },
  };
  addStrings(T);

  // Each point is a row of latitude and longitude, typed or read from the
  // device (the last row when it is still empty, else a new one). Stored as
  // XForms does, points joined by ';'. A geoshape is a closed ring: the page
  // repeats its first point at the end when it saves, and shows it once.
  function renderGeoList(item, path) {
    const w = wrapper(item, path, 'fieldset');
    w.append(el('legend', {}, labelNodes(item)));
    const described = hintAndError(w, item, path);
    const shape = item.type === 'geoshape';
    const list = el('ol', { className: 'geo-points' });
    const count = el('p', { className: 'hint geo-count', 'aria-live': 'polite' });
    const status = el('p', { className: 'hint geo-status', 'aria-live': 'polite' });
    const rows = [];
    const showCount = () => { count.textContent = t('pointCount', rows.filter(pointText).length); };
    const save = now => {
      const typed = rows.map(pointText).filter(Boolean);
      if (shape && typed.length >= 2 && !samePlace(typed[0], typed[typed.length - 1])) typed.push(typed[0]);
      showCount();
      changed(path, typed.length ? typed.join(';') : undefined, now);
    };
    const renumber = () => rows.forEach((r, i) => { r.legend.textContent = t('point', i + 1); });
    const addRow = (lat, lon, extra) => {
      const r = pointRow(path, rows.length, described, lat, lon, extra);
      r.onEdit = now => { r.extra = ''; save(now); };
      r.remove.addEventListener('click', () => {
        const i = rows.indexOf(r);
        rows.splice(i, 1);
        r.node.remove();
        renumber();
        save(true);
        const next = rows[i] || rows[i - 1];
        (next ? next.lat : add).focus();
      });
      rows.push(r);
      list.append(r.node);
      return r;
    };
    const points = savedPoints(getAnswer(path));
    if (shape && points.length >= 2 && samePlace(points[0].join(' '), points[points.length - 1].join(' '))) points.pop();
    for (const p of points) addRow(p[0], p[1], p.length > 2 ? ' ' + p.slice(2).join(' ') : '');
    if (!rows.length) addRow();
    const add = el('button', { type: 'button', className: 'geo-add', text: t('addPoint'),
      on: { click: () => addRow().lat.focus() } });
    const actions = el('div', { className: 'geo-actions' }, add);
    if (canLocate()) {
      actions.append(addLocationButton(item, status, rows, addRow, save));
    } else {
      status.textContent = t('locationManual');
    }
    const before = w.querySelector('.error');
    for (const node of [el('p', { className: 'hint', text: t(shape ? 'shapeNote' : 'traceNote') }), list, count,
      actions, status]) {
      w.insertBefore(node, before);
    }
    showCount();
    return w;
  }

  // "Add this device's location": each reading goes into one row, the last
  // one if it is still empty, else a new one, so the officer watches the
  // point settle until a reading is within the accuracy_threshold.
  function addLocationButton(item, status, rows, addRow, save) {
    let target = null;
    return locateButton(item, status, t('addLocation'), () => {
      const last = rows[rows.length - 1];
      target = last && !pointText(last) ? last : null;
    }, c => {
      const p = pointOf(c);
      if (!target || !target.node.isConnected) target = addRow();
      target.lat.value = p.lat;
      target.lon.value = p.lon;
      target.extra = p.extra;
      save(true);
    });
  }

  // One point's row: its number, latitude, longitude and a remove button.
  // Ids are numbered once per row, so a removed row's never come back.
  let pointRowSeq = 0;
  function pointRow(path, i, described, latValue, lonValue, extra) {
    const id = idFor(path) + '-p' + (++pointRowSeq);
    const legend = el('legend', { text: t('point', i + 1) });
    const r = { legend, extra: extra || '', onEdit: () => {} };
    const [lat, latBox] = coordField(id, 'latitude', latValue, described);
    const [lon, lonBox] = coordField(id, 'longitude', lonValue, described);
    for (const input of [lat, lon]) {
      input.addEventListener('input', () => r.onEdit(false));
      input.addEventListener('change', () => r.onEdit(true));
    }
    r.lat = lat;
    r.lon = lon;
    r.remove = el('button', { type: 'button', className: 'danger geo-remove', text: t('removePoint') });
    r.node = el('li', {}, el('fieldset', { className: 'geo-point' }, legend, el('div', { className: 'geo' }, latBox, lonBox),
      r.remove));
    return r;
  }

  // The same place: latitude and longitude equal, as the engine decides a
  // geoshape is closed.
  function samePlace(p, q) {
    const [a, b] = [p, q].map(x => x.trim().split(/\s+/).slice(0, 2).map(Number));
    return a[0] === b[0] && a[1] === b[1];
  }
  function savedPoints(v) {
    return String(v || '').split(';').map(x => x.trim()).filter(Boolean).map(x => x.split(/\s+/));
  }
  return { render: renderGeoList };
};
