// Equitas collector: barcode questions read by the camera (issue 19).
// app.js fetches this file only for a form that has a barcode question, so
// the first page stays within its size budget, and hands it its helpers;
// the question itself is a text field drawn by app.js's renderInput.
'use strict';
window.EquitasScan = function (ui) {
  const { el, t, addStrings, changed, renderInput } = ui;
  const T = {
    en: { scanCode: 'Scan with the camera', stopScan: 'Stop scanning', scanning: 'Point the camera at the code.',
      scanFailed: 'The camera could not be used; type the code.', scanned: 'Code read by the camera: check it.' },
    fr: { scanCode: 'Scanner avec la caméra', stopScan: 'Arrêter le scan', scanning: 'Pointez la caméra vers le code.',
      scanFailed: 'La caméra n’a pas pu être utilisée ; saisissez le code.', scanned: 'Code lu par la caméra : vérifiez-le.' },
    es: { scanCode: 'Escanear con la cámara', stopScan: 'Dejar de escanear', scanning: 'Apunte la cámara al código.',
      scanFailed: 'No se pudo usar la cámara; escriba el código.', scanned: 'Código leído con la cámara: revíselo.' },
    ru: { scanCode: 'Сканировать камерой', stopScan: 'Остановить сканирование', scanning: 'Наведите камеру на код.',
      scanFailed: 'Не удалось использовать камеру; введите код.', scanned: 'Код считан камерой: проверьте его.' },
    ar: { scanCode: 'المسح بالكاميرا', stopScan: 'إيقاف المسح', scanning: 'وجّه الكاميرا نحو الرمز.',
      scanFailed: 'تعذّر استخدام الكاميرا؛ اكتب الرمز.', scanned: 'قُرئ الرمز بالكاميرا: تحقّق منه.' },
    pt: { scanCode: 'Ler com a câmara', stopScan: 'Parar a leitura', scanning: 'Aponte a câmara para o código.',
      scanFailed: 'Não foi possível usar a câmara; escreva o código.', scanned: 'Código lido pela câmara: verifique-o.' },
  };
  addStrings(T);

  // Typed, or read by the camera where the browser has the Shape Detection
  // API's BarcodeDetector (Chrome on Android, ChromeOS, macOS) and may use a
  // camera, which needs a secure page: the laptop's localhost, not a phone
  // on the post's Wi-Fi. The video stays on this page while it reads; no
  // frame is kept or sent, only the code, which the officer can still edit.
  function renderBarcode(item, path) {
    const w = renderInput(item, path);
    if (!('BarcodeDetector' in window) || !navigator.mediaDevices || !window.isSecureContext || item.read_only) return w;
    const input = w.querySelector('input');
    const status = el('p', { className: 'hint scan-status', 'aria-live': 'polite' });
    const button = el('button', { type: 'button', className: 'scan', text: t('scanCode') });
    let stream = null, video = null, timer = null;
    const stop = () => {
      clearTimeout(timer);
      if (stream) stream.getTracks().forEach(track => track.stop());
      if (video) video.remove();
      stream = video = null;
      button.textContent = t('scanCode');
    };
    const look = async detector => {
      // The camera goes off when the officer leaves the page mid-scan.
      if (!stream) return;
      if (!w.isConnected) return stop();
      try {
        const code = video.readyState >= 2 ? (await detector.detect(video)).find(c => c.rawValue) : null;
        if (code && stream) {
          stop();
          input.value = code.rawValue;
          changed(path, code.rawValue, true);
          status.textContent = t('scanned');
          return;
        }
      } catch (e) { /* a frame the detector could not read: the next one */ }
      if (stream) timer = setTimeout(() => look(detector), 250);
    };
    button.addEventListener('click', async () => {
      if (stream) { stop(); status.textContent = ''; return; }
      if (button.disabled) return;
      button.disabled = true;  // one camera at a time, however often tapped
      try {
        const detector = new BarcodeDetector();
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
        video = el('video', { className: 'scan-video', muted: true, playsinline: true, 'aria-hidden': 'true' });
        video.srcObject = stream;
        button.textContent = t('stopScan');
        w.insertBefore(video, w.querySelector('.error'));
        await video.play();
        status.textContent = t('scanning');
        look(detector);
      } catch (e) {
        stop();
        status.textContent = t('scanFailed');
      } finally {
        button.disabled = false;
      }
    });
    w.insertBefore(button, w.querySelector('.error'));
    w.insertBefore(status, w.querySelector('.error'));
    return w;
  }

  return { render: renderBarcode };
};
