// TRS WCM pager: page 1 = index.html, page k+1 = index_k.html; drawn only when scripts run
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var name = function (i) { return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt; };
  var html = "";
  for (var i = 0; i < _nPageCount; i++) {
    html += i == _nCurrIndex ? "<span>" + (i + 1) + "</span> " : "<a href=\"" + name(i) + "\">" + (i + 1) + "</a> ";
  }
  document.write(html);
}
