# Centinela — interfaz en español (México)
skip-to-content = Saltar al contenido
nav-label = Navegación principal
nav-dashboard = Tablero
nav-institutions = Instituciones
nav-audit = Bitácora de auditoría
nav-api = API
nav-account = Mi cuenta
logout = Cerrar sesión
footer = Centinela — plataforma nacional de ciberresiliencia
save = Guardar
add = Agregar
remove = Quitar
actions = Acciones
yes = Sí
no = No

role-admin = Administración
role-coordinator = Coordinación nacional
role-officer = Oficial institucional
role-crisis_member = Comité de crisis
role-auditor = Auditoría

crit-essential = Esencial
crit-important = Importante
crit-other = Otra
level-federal = Federal
level-state = Estatal
level-municipal = Municipal
officer-head = Titular de ciberseguridad
officer-officer = Oficial de ciberseguridad
contact-csirt = CSIRT
contact-noc = NOC
contact-abuse = Abuso
contact-legal = Jurídico
contact-press = Comunicación social
contact-other = Otro
net-cidr = Prefijo IP
net-asn = Sistema autónomo (ASN)
net-domain = Dominio

login-title = Iniciar sesión
login-intro = Acceso para personal de la autoridad nacional y de las instituciones públicas.
login-submit = Entrar
login-failed = Correo o contraseña incorrectos.
login-throttled = Demasiados intentos fallidos. Espera unos minutos e inténtalo de nuevo.
totp-title = Segundo factor
totp-intro = Escribe el código de seis dígitos de tu aplicación de autenticación.
totp-submit = Verificar
totp-failed = El código no es válido o ya se usó.
totp-section = Autenticación de dos factores (TOTP)
totp-on = El segundo factor está activado.
totp-off = El segundo factor no está activado.
totp-enrol-help = Agrega esta clave en tu aplicación de autenticación y escribe el código que muestra para confirmarla.
totp-enable = Activar
totp-disable = Desactivar
totp-required = La configuración exige segundo factor para tu rol: actívalo para continuar.

account-title = Mi cuenta
tokens-title = Tokens de la API
token-created = Token creado. Cópialo ahora: no se volverá a mostrar.
token-create = Crear token
token-revoke = Revocar
token-revoked = Revocado
token-active = Activo

dashboard-title = Tablero nacional
kpi-institutions = instituciones
kpi-officers = con titular y oficial nombrados
kpi-ipv6 = con prefijos IPv6 registrados
kpi-users = cuentas
chart-criticality = Instituciones por criticidad
chart-sectors = Instituciones por sector
live-title = Cambios en vivo
live-empty = Sin cambios desde que abriste esta página.

institutions-title = Instituciones
institutions-count = { $n ->
    [one] { $n } institución
   *[other] { $n } instituciones
}
institution-new = Registrar institución
filter-text = Buscar
filter-all = Todos
filter-apply = Filtrar
pager-label = Paginación
pager-prev = Anterior
pager-next = Siguiente
officers-title = Responsables de ciberseguridad
officers-missing = Esta institución no ha nombrado a sus responsables de ciberseguridad.
contacts-title = Contactos
networks-title = Redes
audit-title = Bitácora de auditoría
audit-intro = Cada cambio registra quién, qué, cuándo y el SHA-256 del nuevo estado.
audit-count = { $n ->
    [one] { $n } registro
   *[other] { $n } registros
}

field-email = Correo electrónico
field-password = Contraseña
field-totp-code = Código
field-acronym = Siglas
field-name = Nombre
field-name-es = Nombre en español
field-name-en = Nombre en inglés
field-slug = Identificador corto
field-sector = Sector
field-subsector = Subsector
field-level = Orden de gobierno
field-criticality = Criticidad
field-website = Sitio web
field-role = Cargo
field-phone = Teléfono
field-named-on = Nombrado el
field-kind = Tipo
field-value = Valor
field-source = Origen
field-when = Cuándo
field-who = Quién
field-action = Acción
field-record = Registro
field-write = Escritura
field-created = Creado
field-state = Estado
help-slug = Minúsculas, números y guiones; por ejemplo «sat».

docs-title = Documentación de la API
docs-intro = Cada operación de la interfaz está también en la API JSON. Descripción OpenAPI 3.1:
docs-method = Método
docs-path = Ruta
docs-summary = Descripción
docs-query = Parámetros
docs-body = Cuerpo
docs-response = Respuesta

error-title = No se pudo completar la solicitud
error-home = Volver al inicio

err-not-found = No existe el recurso solicitado o no tienes acceso a él.
err-forbidden = No tienes permiso para esta acción.
err-unauthenticated = Necesitas iniciar sesión o enviar un token válido (Authorization: Bearer …).
err-bad-token = El token no es válido, fue revocado o expiró.
err-csrf = La solicitud no trae un token CSRF válido o viene de otro sitio. Recarga la página e inténtalo de nuevo.
err-bad-request = La solicitud está mal formada. { $detail }
err-json-syntax = El cuerpo no es JSON válido: { $detail }
err-json-data = El JSON no tiene la forma esperada: { $detail }
err-form = El formulario no tiene la forma esperada. { $detail }
err-query = Los parámetros de la consulta no son válidos: { $detail }
err-media-type = Tipo de contenido no admitido: envía application/json.
err-too-large = La solicitud excede el tamaño permitido.
err-timeout = La solicitud tardó demasiado.
err-method = Método HTTP no permitido en esta ruta.
err-conflict = Ya existe: { $what }.
err-internal = Ocurrió un error interno; quedó registrado.
err-invalid = Revisa los campos marcados.
err-invalid-value = Valor no válido.
err-required = Este campo es obligatorio.
err-too-long = Máximo { $max } caracteres.
err-control-chars = Contiene caracteres de control no permitidos.
err-email = Escribe un correo válido, como nombre@institucion.gob.mx.
err-slug = Usa solo minúsculas, números y guiones.
err-sector = Elige un sector de la lista.
err-subsector = Ese subsector no pertenece al sector elegido.
err-choice = Elige una de las opciones.
err-https-url = El sitio debe empezar con https://.
err-date = Usa el formato AAAA-MM-DD.
err-cidr = Escribe un prefijo IPv4 o IPv6, como 198.51.100.0/28 o 2001:db8::/48.
err-cidr-host-bits = El prefijo tiene bits de host; ¿quisiste decir { $suggestion }?
err-asn = Escribe un número de sistema autónomo, como 64500.
err-domain = Escribe un dominio, como ejemplo.gob.mx.
err-network-taken = Esa red ya está registrada por una institución.
err-taken = Ya está en uso.
err-password-short = La contraseña debe tener al menos { $min } caracteres.
err-password-common = Esa contraseña es demasiado común o igual a tu correo.
err-classification-locked = Solo la coordinación nacional puede cambiar la clasificación de la institución.
err-no-institution = No existe esa institución.
err-range = Debe estar entre { $min } y { $max }.
err-not-anchored = Esta entrada aún no está en el registro de transparencia; inténtalo en unos segundos.
audit-log = Registro de transparencia
audit-pending = pendiente
institution-edit = Editar institución
classification-locked-help = La clasificación (identificador, sector, orden de gobierno, criticidad) la define la coordinación nacional.
officers-name = Nombrar o cambiar responsable
users-title = Cuentas
users-count = { $n ->
    [one] { $n } cuenta
   *[other] { $n } cuentas
}
user-new = Crear cuenta
user-create = Crear
field-institution = Institución
help-password = Al menos 12 caracteres; una frase larga es mejor que símbolos.
nav-users = Cuentas
password-section = Contraseña
password-change = Cambiar contraseña
password-changed = Contraseña cambiada; se cerraron tus otras sesiones.
field-current-password = Contraseña actual
field-new-password = Contraseña nueva
err-password-wrong = La contraseña actual no es correcta.
