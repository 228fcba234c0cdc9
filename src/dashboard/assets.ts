// The dashboard's stylesheet and its one script, served from /dashboard/assets/ so that the CSP can
// forbid inline script and inline style ('self' only). The pages work without the script: it only
// adds Copy buttons next to fields marked `data-copy`.

export const DASHBOARD_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f3f5f8}
a{color:#1a56c4}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #1a56c4;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.vh{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.skip:focus{left:.5rem}
header.top{background:#16325c;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
header.top .brand{font-weight:700;color:#fff;text-decoration:none;font-size:1.1rem}
header.top .who{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;font-size:.9rem}
header.top form{margin:0;display:flex;gap:.4rem;align-items:center}
header.top label{color:#fff;font-weight:400;margin:0}
header.top select{width:auto;padding:.3rem;font-size:.9rem}
header.top button{margin:0;padding:.35rem .8rem;font-size:.9rem;background:#fff;color:#16325c;border-color:#fff}
nav.main{background:#fff;border-bottom:1px solid #d5dbe3}
nav.main ul{list-style:none;margin:0 auto;padding:0 .5rem;display:flex;flex-wrap:wrap;max-width:72rem}
nav.main a{display:block;padding:.65rem .75rem;text-decoration:none;color:#1d2430;border-bottom:3px solid transparent}
nav.main a[aria-current=page]{border-bottom-color:#1a56c4;color:#1a56c4;font-weight:600}
main{max-width:72rem;margin:1.25rem auto;padding:1.25rem;background:#fff;border-radius:.6rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
main.narrow{max-width:30rem;margin-top:3rem}
h1{font-size:1.45rem;margin:0 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .75rem}
label,.label{display:block;font-weight:600;margin:1rem 0 .25rem}
fieldset{border:1px solid #d5dbe3;border-radius:.4rem;margin:1rem 0;padding:.5rem 1rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.check{display:flex;gap:.6rem;align-items:flex-start;margin:.6rem 0}
.check input{margin-top:.3rem;width:1.1rem;height:1.1rem;flex:none}
.check label{margin:0;font-weight:600}
.check .hint{display:block;font-weight:400;color:#4a5566;font-size:.9rem}
input[type=email],input[type=password],input[type=text],input[type=search],input[type=date],input[type=datetime-local],select,textarea{width:100%;max-width:32rem;padding:.55rem;font-size:1rem;border:1px solid #8a94a3;border-radius:.4rem;background:#fff;color:#1d2430}
input[readonly]{background:#eef1f5;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
button,.button{display:inline-block;font-size:1rem;padding:.55rem 1.1rem;border-radius:.4rem;border:1px solid #1a56c4;background:#1a56c4;color:#fff;cursor:pointer;margin-top:1rem;text-decoration:none;line-height:1.5}
button.secondary,.button.secondary{background:#fff;color:#1a56c4}
button.danger{background:#b3261e;border-color:#b3261e;color:#fff}
td form{margin:0;display:inline}
td button{margin:0;padding:.3rem .7rem;font-size:.9rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-top:1rem}
.actions button,.actions .button{margin-top:0}
td .actions{margin-top:0}
[role=alert]{background:#fdecea;border:1px solid #f5c2bd;color:#8a1c12;padding:.75rem;border-radius:.4rem;margin:1rem 0}
.notice{background:#e7f4ea;border:1px solid #a8d5b4;color:#17532a;padding:.75rem;border-radius:.4rem;margin:1rem 0}
.warning{background:#fff6e0;border:1px solid #f0d58c;padding:.75rem;border-radius:.4rem;margin:1rem 0}
.muted{color:#4a5566;font-size:.9rem}
code{font-size:.9rem;background:#eef1f5;padding:.05rem .3rem;border-radius:.25rem;overflow-wrap:anywhere}
td code{white-space:nowrap}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:1rem 0;padding:0;list-style:none}
.stats li{border:1px solid #d5dbe3;border-radius:.5rem;padding:.75rem}
.stats .figure{display:block;font-size:1.6rem;font-weight:700}
table{width:100%;border-collapse:collapse;margin:1rem 0;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #e1e6ec;vertical-align:top}
th{background:#f3f5f8}
.status-active{color:#17532a;font-weight:600}
.status-ended{color:#8a1c12;font-weight:600}
.copy-row{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.copy-row input{flex:1 1 16rem}
.copy-row button{margin:0}
dl.facts{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.35rem 1rem;margin:1rem 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem;align-items:start}
form.filters .actions{align-self:end}
code.name{white-space:nowrap;word-break:normal}
form.filters .muted{margin:.25rem 0 0}
td form.inline{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
td form.inline select{width:auto}
ol.timeline{padding-left:1.25rem}
ol.timeline li{margin:.3rem 0}
pre.transcript{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f8;border:1px solid #e1e6ec;border-radius:.4rem;padding:.75rem;font:inherit}
audio{width:100%;max-width:32rem}
.value{overflow-wrap:anywhere}
@media (max-width:640px){
  main{margin:0;border-radius:0;padding:1rem}
  table.list thead{position:absolute;left:-9999px}
  table.list,table.list tbody,table.list tr,table.list td{display:block;width:100%}
  table.list caption{display:block}
  table.list tr{border:1px solid #d5dbe3;border-radius:.5rem;margin:0 0 .75rem;padding:.25rem .5rem}
  table.list td{border:0;padding:.3rem 0}
  dl.facts{grid-template-columns:1fr}
  dl.facts dd{margin-bottom:.4rem}
  table.list td[data-label]::before{content:attr(data-label);display:block;font-weight:600;font-size:.85rem;color:#4a5566}
}
`;

// Adds a Copy button after each element with data-copy="<label>" (an input or a code element).
export const DASHBOARD_JS = `
document.querySelectorAll('[data-copy]').forEach(function (el) {
  if (!navigator.clipboard) return;
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = 'Copy';
  button.setAttribute('aria-label', 'Copy ' + el.getAttribute('data-copy'));
  button.addEventListener('click', function () {
    var text = 'value' in el ? el.value : el.textContent;
    navigator.clipboard.writeText(text).then(function () {
      button.textContent = 'Copied';
      setTimeout(function () { button.textContent = 'Copy'; }, 2000);
    });
  });
  el.insertAdjacentElement('afterend', button);
});
`;
