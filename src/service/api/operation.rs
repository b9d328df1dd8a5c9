//! What the OpenAPI document says of one endpoint: its summary, tag, parameters, body,
//! answer and the failures it may answer with. Each handler's module makes the
//! operation of its handler beside it (`campaigns::get_one_doc`); the route table pairs
//! it with the method and path, the one place those are said (`super::routes`).
//!
//! Bodies and answers are named by their Rust types: a body is the type the handler
//! reads, an answer the type it puts in the envelope, and their schemas are those
//! types' `utoipa::ToSchema` derives, so the document cannot say other than what serde
//! reads and writes. Query parameters are the handler's query struct
//! (`utoipa::IntoParams`).

use super::envelope::{Failure, Success};
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Content, Ref, RefOr, Required, Response, ResponseBuilder};
use utoipa::{IntoParams, PartialSchema, ToSchema};

/// Schemas by name, as the document's components hold them.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// The parts of the API, in the order the document lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Campaigns,
    Leads,
    Calls,
    DoNotCall,
    Engine,
    Webhooks,
}

impl Tag {
    pub const ALL: [Tag; 6] = [
        Tag::Campaigns,
        Tag::Leads,
        Tag::Calls,
        Tag::DoNotCall,
        Tag::Engine,
        Tag::Webhooks,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tag::Campaigns => "Campaigns",
            Tag::Leads => "Leads",
            Tag::Calls => "Calls",
            Tag::DoNotCall => "Do-not-call",
            Tag::Engine => "Engine",
            Tag::Webhooks => "Webhooks",
        }
    }
}

/// One endpoint's entry in the document, and the named schemas it refers to.
pub struct Operation {
    builder: OperationBuilder,
    /// The path parameters it describes, checked against the route's path.
    pub path_params: Vec<&'static str>,
    pub schemas: Schemas,
}

/// The envelope of a success as the document names it, `data` anything.
type AnySuccess = Success<serde_json::Value>;

/// The schema of a JSON answer: the success envelope with `data` of `data`'s schema.
fn in_envelope(data: RefOr<Schema>) -> Content {
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name(AnySuccess::name()))
        .item(ObjectBuilder::new().property("data", data));
    Content::new(Some(schema))
}

impl Operation {
    pub fn new(tag: Tag, summary: &str) -> Operation {
        Operation {
            builder: OperationBuilder::new()
                .summary(Some(summary))
                .tag(tag.name()),
            path_params: Vec::new(),
            schemas: Vec::new(),
        }
    }

    /// What the summary leaves out.
    pub fn describe(mut self, description: &str) -> Operation {
        self.builder = self.builder.description(Some(description));
        self
    }

    /// A `$ref` to `T`'s schema, which goes into the document with those it refers to.
    fn named<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(&mut self.schemas);
        Ref::from_schema_name(T::name()).into()
    }

    /// `T`'s schema written out in place, with the named schemas it refers to.
    fn inline<T: ToSchema>(&mut self) -> RefOr<Schema> {
        T::schemas(&mut self.schemas);
        T::schema()
    }

    /// The path parameter `{name}`, read as a `T`.
    pub fn path_param<T: PartialSchema>(
        mut self,
        name: &'static str,
        description: &str,
    ) -> Operation {
        let parameter = ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(T::schema()))
            .description(Some(description));
        self.builder = self.builder.parameter(parameter);
        self.path_params.push(name);
        self
    }

    /// The query string, as the handler's `Q` reads it. A parameter is given or not,
    /// never null: an `Option` field is an optional parameter of the inner type.
    pub fn query<Q: IntoParams>(mut self) -> Operation {
        let mut parameters = Q::into_params(|| Some(ParameterIn::Query));
        for parameter in &mut parameters {
            if let Some(schema) = parameter.schema.take() {
                parameter.schema = Some(not_null(schema));
            }
        }
        self.builder = self.builder.parameters(Some(parameters));
        self
    }

    fn request_body(mut self, content_type: &str, schema: RefOr<Schema>) -> Operation {
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(content_type, Content::new(Some(schema)))
            .build();
        self.builder = self.builder.request_body(Some(body));
        self
    }

    /// A JSON body read as a `T`, by its schema's name.
    pub fn body<T: ToSchema>(mut self) -> Operation {
        let schema = self.named::<T>();
        self.request_body("application/json", schema)
    }

    /// A JSON body read as a `T`, its schema written out in place.
    pub fn body_inline<T: ToSchema>(mut self) -> Operation {
        let schema = self.inline::<T>();
        self.request_body("application/json", schema)
    }

    /// A JSON body whose schema the document makes itself (`SettingsPatch`, from the
    /// settings table).
    pub fn body_named(self, name: &str) -> Operation {
        self.request_body("application/json", Ref::from_schema_name(name).into())
    }

    /// A JSON body the document names only in words (the engine protocol's enums).
    pub fn body_described(self, description: &str) -> Operation {
        let schema = ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .description(Some(description));
        self.request_body("application/json", schema.into())
    }

    /// A body that is not JSON: a CSV file, LiveKit's webhook.
    pub fn body_of(self, content_type: &str, schema: impl Into<RefOr<Schema>>) -> Operation {
        self.request_body(content_type, schema.into())
    }

    /// A success with `data` of `data`'s schema.
    fn succeeds(mut self, status: u16, description: &str, data: RefOr<Schema>) -> Operation {
        self.named::<AnySuccess>();
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", in_envelope(data))
            .build();
        self.responds(status, response)
    }

    /// `200` with a `T` in the envelope.
    pub fn answers<T: ToSchema>(mut self) -> Operation {
        let data = self.named::<T>();
        self.succeeds(200, "Success", data)
    }

    /// `200` with a list of `T` in the envelope.
    pub fn answers_list<T: ToSchema>(mut self) -> Operation {
        let item = self.named::<T>();
        self.succeeds(200, "Success", ArrayBuilder::new().items(item).into())
    }

    /// `200` with a `T` in the envelope, its schema written out in place.
    pub fn answers_inline<T: ToSchema>(mut self) -> Operation {
        let data = self.inline::<T>();
        self.succeeds(200, "Success", data)
    }

    /// `201` with a `T` in the envelope; `description` says what was made.
    pub fn creates<T: ToSchema>(mut self, description: &str) -> Operation {
        let data = self.named::<T>();
        self.succeeds(201, description, data)
    }

    /// `201` with a `T` in the envelope, its schema written out in place.
    pub fn creates_inline<T: ToSchema>(mut self, description: &str) -> Operation {
        let data = self.inline::<T>();
        self.succeeds(201, description, data)
    }

    /// `200` with anything in the envelope, as `data` says (the engine protocol's answers).
    pub fn answers_any(self, data: impl Into<RefOr<Schema>>) -> Operation {
        self.succeeds(200, "Success", data.into())
    }

    /// An answer outside the envelope: a stream, a file, the document itself.
    pub fn responds(mut self, status: u16, response: Response) -> Operation {
        self.builder = self.builder.response(status.to_string(), response);
        self
    }

    /// A failure, in the envelope of every failure.
    pub fn fails(mut self, status: u16, description: &str) -> Operation {
        let failure = self.named::<Failure>();
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", Content::new(Some(failure)))
            .build();
        self.responds(status, response)
    }

    /// `400`: a parameter or a field of the body is wrong, and the message names it.
    pub fn bad_input(self) -> Operation {
        self.fails(400, "Bad input: the message names the field")
    }

    /// `404`: what the path names does not exist (`what`: "Unknown id").
    pub fn unknown(self, what: &str) -> Operation {
        self.fails(404, what)
    }

    /// `409`: the campaign's state does not allow it.
    pub fn refused(self) -> Operation {
        self.fails(409, "Refused in the current state")
    }

    /// `413`: the body is over the endpoint's bound.
    pub fn too_large(self) -> Operation {
        self.fails(413, "Body too large")
    }

    /// `503`: the engine or the store could not answer now.
    pub fn busy(self) -> Operation {
        self.fails(503, "The engine or its database is busy or stopping")
    }

    /// `401` on TCP, where every request needs the bearer token.
    pub fn needs_token(self) -> Operation {
        self.fails(401, "No or wrong bearer token (TCP only)")
    }

    /// Served without the bearer token (LiveKit's webhooks carry a signature instead).
    pub fn without_token(mut self) -> Operation {
        self.builder = self.builder.securities(Some(Vec::new()));
        self
    }

    pub fn build(self) -> utoipa::openapi::path::Operation {
        self.builder.build()
    }
}

/// `schema` without its `null`: `T` for `Option<T>`.
fn not_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::OneOf(mut one_of)) => {
            one_of.items.retain(|item| !is_null(item));
            match one_of.items.len() {
                // What was said of the `Option` goes to the one schema left.
                1 => match one_of.items.remove(0) {
                    RefOr::T(Schema::Object(mut object)) => {
                        object.default = object.default.or(one_of.default);
                        object.description = object.description.or(one_of.description);
                        RefOr::T(Schema::Object(object))
                    }
                    other => other,
                },
                _ => RefOr::T(Schema::OneOf(one_of)),
            }
        }
        RefOr::T(Schema::Object(mut object)) => {
            if let SchemaType::Array(types) = &mut object.schema_type {
                types.retain(|t| *t != Type::Null);
                if types.len() == 1 {
                    object.schema_type = SchemaType::Type(types[0].clone());
                }
            }
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
}

/// A text answer or body of `content_type` (a stream, a file).
pub fn text(description: &str, content_type: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            content_type,
            Content::new(Some(ObjectBuilder::new().schema_type(Type::String))),
        )
        .build()
}
